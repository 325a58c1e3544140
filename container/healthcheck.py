#!/opt/ucdhcp/bin/python3
"""The image's HEALTHCHECK (Dockerfile): `ucdhcp.tools.healthcheck`, run as a script, so that
its request is built and its answer read by ucdhcp's own code."""

import sys

from ucdhcp.tools.healthcheck import main

if __name__ == "__main__":
    sys.exit(main())
