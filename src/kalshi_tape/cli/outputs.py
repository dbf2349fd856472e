"""Output paths checked before a long run starts, so a bad `--out` fails in a second with
one line instead of after the work (and never leaves a half-made file or folder)."""

from __future__ import annotations

import os
from pathlib import Path

from kalshi_tape.core.errors import ConfigError


def check_output_file(path: Path, option: str = "--out") -> None:
    """`path` can be written as a file: its folder exists and is writable, and it is not a
    folder itself. Raises ConfigError naming the option and what is wrong."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ConfigError(option, f"{path} is a folder, not a file")
    _check_folder(folder, path, option)
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(option, f"cannot write {path}: permission denied")


def check_output_folder(path: Path, option: str = "--out") -> None:
    """`path` is a writable folder, or can be made one (its nearest existing ancestor is a
    writable folder). Creates nothing."""
    if path.exists() and not path.is_dir():
        raise ConfigError(option, f"{path} is a file, not a folder")
    ancestor = path
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    _check_folder(ancestor, path, option)


def _check_folder(folder: Path, target: Path, option: str) -> None:
    if not folder.exists():
        raise ConfigError(option, f"cannot write {target}: folder {folder} does not exist")
    if not folder.is_dir():
        raise ConfigError(option, f"cannot write {target}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(option, f"cannot write {target}: folder {folder} is not writable")
