"""Loading a config: TOML to the models (errors translated to field paths) and the models to a
pure Policy, every site encoded once."""

import json
import tomllib
from pathlib import Path

from pydantic import (
    ValidationError,
)
from pydantic_core import ErrorDetails

from ..core.policy import (
    Policy,
    Site,
    build_site,
)
from ..wire.reply import room_for_options
from .errors import ConfigError, FieldValueError
from .model import Config
from .settings import Settings

_TYPICAL_CLIENT_ID = 9  # option 61 for an Ethernet MAC: 2 + 1 + 6 bytes


def load_config(path: Path) -> Config:
    """Read and validate a TOML file.

    Raises:
        ConfigError: unreadable file, TOML syntax, or validation problems, each with its path.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(str(path), [("", f"cannot read: {error.strerror or error}")]) from None
    return read_config(data, str(path))


def read_config(data: bytes, file: str = "<config>") -> Config:
    """Decode and validate the bytes of a TOML file; raises ConfigError."""
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(file, [("", f"not valid TOML: {error}")]) from None
    return parse_config(document, file)


def parse_config(document: dict[str, object], file: str = "<config>") -> Config:
    try:
        return Config.model_validate(document)
    except ValidationError as error:
        raise ConfigError(
            file, [(_location(_blamed(e)), _message(e)) for e in error.errors()]
        ) from None


def _blamed(error: ErrorDetails) -> tuple[int | str, ...]:
    cause = error.get("ctx", {}).get("error")
    return error["loc"] + cause.field if isinstance(cause, FieldValueError) else error["loc"]


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: ErrorDetails) -> str:
    message = _TOML_NAMES.get(error["type"], error["msg"]).removeprefix("Value error, ")
    if error["type"].endswith("_type") or error["type"] == "literal_error":
        return f"{message}, not {_toml_kind(error['input'])}"
    return message


_TOML_NAMES = {
    "list_type": "Input should be an array",
    "dict_type": "Input should be a table",
    "model_type": "Input should be a table",
}


def _toml_kind(value: object) -> str:
    kinds = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"))
    for kind, name in (*kinds, (list, "an array"), (dict, "a table")):
        if isinstance(value, kind):
            scalar = kind in (bool, int, float, str)
            return f"{name} ({json.dumps(value)})" if scalar else name  # as TOML spells it
    return f"a {type(value).__name__}"  # TOML dates and times


def build_policy(config: Config, file: str = "<config>") -> Policy:
    """Encode every site once and assemble the Policy.

    Raises:
        ConfigError: a site whose options cannot be encoded or cannot fit a 576-byte reply.
    """
    sites: list[Site] = []
    for index, section in enumerate(config.sites):
        try:
            site = build_site(section.spec())
        except ValueError as error:
            raise ConfigError(file, [(f"sites[{index}]", str(error))]) from None
        _check_fits(site, f"sites[{index}]", file)
        sites.append(site)
    by_name = {site.name: site for site in sites}
    replies = config.replies
    trusted = (
        None
        if replies.trusted_relays is None
        else frozenset(a.packed for a in replies.trusted_relays)
    )
    return Policy(
        sites=tuple(sites),
        default_site=None if config.default_site is None else by_name[config.default_site],
        vendor_classes={
            name.encode("latin-1"): profile for name, profile in config.vendor_classes.items()
        },
        vendor_class_match=replies.vendor_class_match,
        always_send=replies.always_send,
        answer_discover=frozenset(replies.answer_discover),
        offer_delay=replies.offer_delay,
        relayed_inform=replies.relayed_inform,
        trusted_relays=trusted,
    )


def _check_fits(site: Site, where: str, file: str) -> None:
    # A reply without option 57 must hold 53, 54, a typical 61 and every option of a profile;
    # otherwise options would be dropped per packet, silently (RFC 2131 §2: a 576-byte
    # datagram, so a 548-byte DHCP message).
    room = room_for_options(echoed=_TYPICAL_CLIENT_ID)
    for profile, options in site.options.items():
        size = sum(len(tlv) for tlv in options.values())
        if size > room:
            raise ConfigError(
                file,
                [
                    (
                        where,
                        f"the {profile} options take {size} bytes;"
                        f" a reply in a 576-byte datagram has room for {room}",
                    )
                ],
            )


def load_policy(path: Path, data: bytes | None = None) -> tuple[Config, Policy]:
    """load_config (or read_config of `data`, the file's bytes already read), then build_policy;
    raises ConfigError."""
    config = load_config(path) if data is None else read_config(data, str(path))
    return config, build_policy(config, str(path))


def load_settings(path: Path, data: bytes | None = None) -> tuple[Settings, Policy]:
    """load_policy, keeping of the config only what the serving process reads."""
    config, policy = load_policy(path, data)
    return config.settings(), policy
