"""Files as the tests need them."""

import os
import time
from pathlib import Path


def dated_back(path: Path, seconds: float = 60.0) -> Path:
    """Set the file's times `seconds` back: a reload reads a file at once only when it has not
    changed for QUIET seconds (config/written.py)."""
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path
