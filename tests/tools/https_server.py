"""The certificate provisioning web service for the doctor's tests: Python's own HTTP file
server (http.server) behind TLS (ssl). It answers a missing path with a real 404 and sends a
Date header, which `openssl s_server -WWW` does not (it answers 200 with an error text).

    https_server.py ADDRESS PORT CERT KEY DIRECTORY
"""

import functools
import http.server
import ssl
import sys


def main() -> None:
    address, port, cert, key, directory = sys.argv[1:6]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    server = http.server.ThreadingHTTPServer((address, int(port)), handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
