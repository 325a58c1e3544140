"""One module per `ucdhcp` sub-command. Each exposes `register(subparsers)`, which adds its
parser and sets `handler` to a function `(argparse.Namespace) -> int` (the exit code)."""

EXIT_OK = 0
EXIT_RUNTIME = 1  # the command could not do its job (port taken, no answer, ...)
EXIT_CONFIG = 2  # bad configuration or usage
