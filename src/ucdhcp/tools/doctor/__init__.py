"""`ucdhcp doctor`: follow the values a phone gets by DHCP to a phone that can sign in: DNS,
the certificate provisioning web service, the registrars' TLS, NTP. Each step is bounded by a
timeout and ends as one line of a checklist, with one line saying what to fix when it fails."""
