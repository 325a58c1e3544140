"""`ucdhcp probe`: a Lync phone's DHCPINFORM, sent as the phone sends it and judged as the phone
judges the answers. inform.py builds the request and judges answers (pure), client.py is the
network side (also used by `doctor`), report.py renders the result."""
