"""`python -m ucdhcp` is `ucdhcp`."""

import sys

from .cli import main

sys.exit(main())
