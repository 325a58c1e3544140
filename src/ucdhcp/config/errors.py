"""What a bad config file is reported as: the file, each field path and the reason."""

from collections.abc import Sequence


class ConfigError(Exception):
    """A configuration file that cannot be used; `problems` are (field path, reason)."""

    def __init__(self, file: str, problems: Sequence[tuple[str, str]]) -> None:
        self.file = file
        self.problems = list(problems)
        super().__init__(
            "\n".join(
                f"{file}: {where}: {why}" if where else f"{file}: {why}"
                for where, why in self.problems
            )
        )


class FieldValueError(ValueError):
    """A model-level check that blames one field: the error path gains `field`."""

    def __init__(self, field: tuple[str | int, ...], reason: str) -> None:
        super().__init__(reason)
        self.field = field
