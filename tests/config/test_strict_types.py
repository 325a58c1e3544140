"""TOML has real types: a value of the wrong type is refused with its field path, never coerced
(`port = true` once served on port 1). One test per kind of scalar, then a walk of the whole
Config model that tries every wrong TOML type in every field, so a new field cannot be lax."""

import copy
import enum
import ipaddress
import itertools
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel

from tests.commands import run_ucdhcp as run
from ucdhcp.config.errors import ConfigError
from ucdhcp.config.loading import load_config, parse_config
from ucdhcp.config.model import Config

SITE = '[[sites]]\nname = "hq"\nsubnets = ["10.1.2.0/24"]\nsip_servers = ["pool01.contoso.com"]\n'


def problems_of(tmp_path: Path, toml: str) -> list[tuple[str, str]]:
    path = tmp_path / "ucdhcp.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return raised.value.problems


# kind: (TOML text with one wrong value, the field path, the words that name the wrong type)
WRONG = {
    "bool_from_string": (
        '[replies]\nalways_send = "yes"\n' + SITE,
        "replies.always_send",
        "a string",
    ),
    "bool_from_integer": (
        "[replies]\nalways_send = 1\n" + SITE,
        "replies.always_send",
        "an integer",
    ),
    "int_from_bool": ("[server]\nport = true\n" + SITE, "server.port", "a boolean (true)"),
    "int_from_string": ('[server]\nport = "67"\n' + SITE, "server.port", 'a string ("67")'),
    "int_from_float": ("[server]\nport = 67.0\n" + SITE, "server.port", "a float (67.0)"),
    "int_in_a_site": (SITE + 'vlan_id = "120"\n', "sites[0].vlan_id", "a string"),
    "site_port_from_bool": (SITE + "port = true\n", "sites[0].port", "a boolean"),
    "float_from_string": (
        '[logging]\nignored_rate = "10"\n' + SITE,
        "logging.ignored_rate",
        "a string",
    ),
    "float_from_bool": (
        "[logging]\nignored_rate = true\n" + SITE,
        "logging.ignored_rate",
        "a boolean",
    ),
    "string_from_integer": (SITE + "scheme = 443\n", "sites[0].scheme", "an integer (443)"),
    "address_from_integer": (
        "[server]\naddress = 2130706433\n" + SITE,
        "server.address",
        "an integer",
    ),
    "address_in_a_list": (SITE + "ntp_servers = [true]\n", "sites[0].ntp_servers[0]", "a boolean"),
    "network_from_integer": (
        SITE.replace('["10.1.2.0/24"]', "[167772160]"),
        "sites[0].subnets[0]",
        "an integer",
    ),
    "enum_from_integer": (
        "[replies]\nrelayed_inform = 1\n" + SITE,
        "replies.relayed_inform",
        "an integer",
    ),
    "literal_from_bool": ("[logging]\nformat = true\n" + SITE, "logging.format", "a boolean"),
    "list_from_string": (
        SITE.replace('["10.1.2.0/24"]', '"10.1.2.0/24"'),
        "sites[0].subnets",
        "a string",
    ),
    "table_from_string": ('logging = "json"\n' + SITE, "logging", "a string"),
}


@pytest.mark.parametrize(("toml", "field", "given"), WRONG.values(), ids=WRONG.keys())
def test_a_value_of_the_wrong_toml_type_is_refused_with_its_path(
    tmp_path: Path, toml: str, field: str, given: str
) -> None:
    [(where, why)] = problems_of(tmp_path, toml)
    assert where == field
    assert why.endswith(f", not {given}") or f", not {given} (" in why


def test_a_float_setting_takes_a_toml_integer(tmp_path: Path) -> None:
    path = tmp_path / "ucdhcp.toml"
    path.write_text("[logging]\nignored_rate = 10\n" + SITE, encoding="utf-8")
    assert load_config(path).logging.ignored_rate == 10.0


def test_check_exits_2_on_port_true_with_the_field_path(tmp_path: Path) -> None:
    path = tmp_path / "ucdhcp.toml"
    path.write_text("[server]\nport = true\n" + SITE, encoding="utf-8")
    result = run("check", "-c", str(path), "--runtime")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"{path}: server.port: Input should be a valid integer")


# The whole model, by introspection -------------------------------------------------------

SAMPLES: dict[str, object] = {
    "boolean": True,
    "integer": 7,
    "float": 7.5,
    "string": "7",
    "array": ["7"],
    "table": {"seven": 7},
}
BASE: dict[str, Any] = {
    "sites": [
        {
            "name": "hq",
            "sip_servers": ["pool01.contoso.com"],
            "options": [{"code": 200, "text": "x"}],  # so that options[0]'s fields are reached
        }
    ]
}
Path_ = tuple[str | int, ...]


def accepted(annotation: Any) -> tuple[set[str], Any]:
    """The TOML kinds a field accepts, and what its elements or values are (for arrays, tables
    of values and nested models)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return accepted(args[0])
    if origin in (typing.Union, types.UnionType):
        [inner] = [arg for arg in args if arg is not type(None)]  # TOML has no null
        return accepted(inner)
    if origin is list:
        return {"array"}, ("element", args[0])
    if origin is dict:
        return {"table"}, ("value", args[1])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"table"}, ("model", annotation)
    if origin is Literal:
        assert all(isinstance(arg, str) for arg in args), annotation
        return {"string"}, None
    scalars: dict[Any, set[str]] = {
        bool: {"boolean"},
        int: {"integer"},
        float: {"integer", "float"},
    }
    if annotation in scalars:
        return scalars[annotation], None
    if annotation in (str, ipaddress.IPv4Address, ipaddress.IPv4Network) or (
        isinstance(annotation, type) and issubclass(annotation, enum.Enum)
    ):
        return {"string"}, None
    raise AssertionError(f"no TOML kind known for {annotation!r}: teach this test")


def slots(model: type[BaseModel], path: Path_ = ()) -> Iterator[tuple[Path_, set[str]]]:
    """Every place in a document where a TOML value goes, with the kinds it accepts."""
    for name, field in model.model_fields.items():
        yield from _slots(field.annotation, (*path, name))


def _slots(annotation: Any, path: Path_) -> Iterator[tuple[Path_, set[str]]]:
    kinds, inner = accepted(annotation)
    yield path, kinds
    if inner is None:
        return
    how, what = inner
    if how == "model":
        yield from slots(what, path)
    elif how == "element":
        yield from _slots(what, (*path, 0))
    else:
        yield from _slots(what, (*path, "MS-UC-Client"))


def with_value(path: Path_, value: object) -> dict[str, Any]:
    document = copy.deepcopy(BASE)
    parent: Any = document
    for part, following in itertools.pairwise(path):
        if isinstance(part, int):
            parent = parent[part]
        else:
            parent = parent.setdefault(part, [] if isinstance(following, int) else {})
            if isinstance(following, int) and not parent:
                parent.append({})  # a new array: its element 0 is filled in next
    last = path[-1]
    if isinstance(last, int):
        parent[last:] = [value]
    else:
        parent[last] = value
    return document


def location(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


CASES = [
    pytest.param(path, kind, id=f"{location(path)}={kind}")
    for path, kinds in slots(Config)
    for kind in SAMPLES
    if kind not in kinds
]


def test_the_walk_reaches_every_section_and_nested_field() -> None:
    reached = {location(path) for path, _ in slots(Config)}
    for field in (
        "server.port",
        "server.server_id",
        "logging.ignored_rate",
        "replies.answer_discover[0]",
        "vendor_classes.MS-UC-Client",
        "sites[0].subnets[0]",
        "sites[0].options[0].addresses[0]",
    ):
        assert field in reached
    assert len(reached) > 50


def test_the_base_document_is_valid() -> None:
    parse_config(copy.deepcopy(BASE))


@pytest.mark.parametrize(("path", "kind"), CASES)
def test_every_field_refuses_every_wrong_toml_type(path: Path_, kind: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(with_value(path, SAMPLES[kind]), "walk.toml")
    where = [where for where, _ in raised.value.problems]
    assert where == [location(path)], raised.value.problems
