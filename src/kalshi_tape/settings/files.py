"""The YAML settings file: read once, errors on one line naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kalshi_tape.core.errors import ConfigError

CONFIG_FILE_ENV = "KTAPE_CONFIG"


def read_yaml(path: Path, key: str = "config_file") -> dict[str, Any]:
    """The file's top-level mapping ({} for an empty file)."""
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ConfigError(key, f"{path} does not exist") from None
    except OSError as exc:
        raise ConfigError(key, f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(key, f"{path} is not valid YAML: {_yaml_problem(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(key, f"{path} must hold a mapping at the top level")
    return data


def section(data: dict[str, Any], name: str, path: object) -> dict[str, Any]:
    """A nested mapping of the file (`api:`), {} when absent."""
    value = data.get(name) or {}
    if not isinstance(value, dict):
        raise ConfigError(name, f"{path}: `{name}` must be a mapping")
    return dict(value)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """`line L, column C: problem` on one line (PyYAML's own text spans several)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
