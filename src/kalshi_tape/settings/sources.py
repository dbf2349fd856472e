"""Layers of values with their origin, merged and validated by a pydantic model."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import ErrorDetails

from kalshi_tape.core.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)

# KTAPE_* names that are not settings: internal hand-offs and the test harness.
NOT_SETTINGS = ("KTAPE_API_SETTINGS_JSON", "KTAPE_LOG_LEVEL", "KTAPE_SKIP_POSTGRES", "KTAPE_SHARED")
NOT_SETTINGS_PREFIXES = ("KTAPE_TEST_",)

_PLAIN: dict[str, str] = {
    "bool_parsing": "is not a boolean (true/false)",
    "bool_type": "is not a boolean (true/false)",
    "float_parsing": "is not a number",
    "float_type": "is not a number",
    "int_parsing": "is not an integer",
    "int_type": "is not an integer",
    "int_from_float": "is not an integer",
    "string_type": "is not a string",
    "finite_number": "is not a finite number",
    "decimal_parsing": "is not a number",
    "decimal_type": "is not a number",
}


@dataclass(frozen=True, slots=True)
class Layer:
    """Values of one source; `where` says, per key, where the value came from."""

    values: dict[str, Any] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Mapping[str, Any], origin: str) -> Layer:
        return cls(dict(values), {k: origin for k in values})


def from_file(values: Mapping[str, Any], path: object, section: str = "") -> Layer:
    dotted = f"{section}." if section else ""
    return Layer(dict(values), {k: f"file {path}, key {dotted}{k}" for k in values})


def from_env(env: Mapping[str, str], names: Mapping[str, str], *, empty_unset: bool) -> Layer:
    """`names` maps a setting to its environment variable; `empty_unset`: `X=` means unset."""
    values = {k: env[v] for k, v in names.items() if v in env and (env[v] or not empty_unset)}
    return Layer(values, {k: f"environment {names[k]}" for k in values})


# settings whose flag is not `--the-setting-name`
FLAG_NAMES = {
    "db_url": "--db",
    "cors_origins": "--cors",
    "events": "--event",
    "periods": "--period",
}


def from_flags(flags: Mapping[str, Any] | None) -> Layer:
    """Flags left unset (None, or () for a repeatable one) are not a layer's values."""
    values = {k: v for k, v in (flags or {}).items() if v is not None and v != ()}
    flag = {k: FLAG_NAMES.get(k, "--" + k.replace("_", "-")) for k in values}
    return Layer(values, {k: f"flag {flag[k]}" for k in values})


def resolve(model: type[ModelT], layers: Iterable[Layer], prefix: str = "") -> ModelT:
    """The model from the layers, later ones winning; errors name the key and its origin."""
    values: dict[str, Any] = {}
    where: dict[str, str] = {}
    for layer in layers:
        values.update(layer.values)
        where.update(layer.where)
    known = set(model.model_fields)
    for key in sorted(set(values) - known):
        near = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise ConfigError(f"{prefix}{key}", f"unknown setting (from {where[key]}){hint}")
    try:
        return model(**values)
    except ValidationError as exc:
        raise _config_error(model, exc.errors()[0], where, prefix) from None


def _config_error(
    model: type[BaseModel], error: ErrorDetails, where: Mapping[str, str], prefix: str
) -> ConfigError:
    key = str(error["loc"][0]) if error["loc"] else ""
    annotation = str(model.model_fields[key].annotation) if key in model.model_fields else ""
    shown = "***" if "SecretStr" in annotation else repr(_raw(error["input"]))
    reason = _PLAIN.get(error["type"]) or _message(error)
    origin = where.get(key, "default")
    return ConfigError(f"{prefix}{key}", f"bad value {shown} (from {origin}): {reason}")


def _message(error: ErrorDetails) -> str:
    text = str(error["msg"])
    text = text.removeprefix("Value error, ").removeprefix("Input should be ")
    return text if error["type"] == "value_error" else f"should be {text}"


def _raw(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def refuse_unknown_env(env: Mapping[str, str], known: Iterable[str], prefix: str) -> None:
    """A misspelled `prefix*` variable stops the start instead of being ignored."""
    names = sorted(set(known))
    for var in sorted(v for v in env if v.startswith(prefix) and v not in names):
        if var in NOT_SETTINGS or var.startswith(NOT_SETTINGS_PREFIXES):
            continue
        near = difflib.get_close_matches(var, names, n=1)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise ConfigError(var, f"unknown environment variable{hint}")
