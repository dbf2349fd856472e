"""The base of every settings model: strict, frozen, unknown keys refused.

The models are pydantic-settings `BaseSettings`, fed only by their keyword arguments:
`sources.resolve` gathers the file, environment and flag layers itself so that an error can
name where the offending value came from.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

_TICKER = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")


class StrictSettings(BaseSettings):
    model_config = SettingsConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, arbitrary_types_allowed=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


class Section(StrictSettings):
    """A mapping of the YAML file (`api:`, `collector:`, ...); its environment variables
    are `KTAPE_<SECTION>_<KEY>`."""

    section: ClassVar[str] = ""

    @classmethod
    def env_names(cls) -> dict[str, str]:
        prefix = f"KTAPE_{cls.section.upper()}_"
        return {name: prefix + name.upper() for name in cls.model_fields}


def _not_a_boolean(value: Any) -> Any:
    """A boolean is not a number (pydantic's lax mode would read `true` as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean, not a number")
    return value


def _url(schemes: tuple[str, ...]) -> AfterValidator:
    def check(url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError(f"{url!r} is not a {'/'.join(schemes)} URL")
        return url

    return AfterValidator(check)


def comma_list(value: object) -> object:
    """`a,b` in the environment or a flag; a list in the file."""
    items = value.split(",") if isinstance(value, str) else value
    if isinstance(items, list | tuple):
        return tuple(s.strip() for s in items if isinstance(s, str) and s.strip())
    return value


def _tickers(value: object) -> object:
    items = comma_list(value)
    if not isinstance(items, tuple):
        return value
    out = []
    for item in items:
        text = item.strip().upper()
        if not _TICKER.match(text):
            raise ValueError(f"{item!r} is not a ticker")
        out.append(text)
    return tuple(dict.fromkeys(out))


def expand_path(value: object) -> object:
    """`~/x` expanded; an empty path is an error, not the working directory."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("is an empty path")
        return Path(value).expanduser()
    return value


Number = Annotated[float, BeforeValidator(_not_a_boolean)]
Integer = Annotated[int, BeforeValidator(_not_a_boolean)]
Positive = Annotated[Number, Field(gt=0)]
NonNegative = Annotated[Number, Field(ge=0)]
HttpUrl = Annotated[str, _url(("http", "https"))]
WsUrl = Annotated[str, _url(("ws", "wss"))]
Tickers = Annotated[tuple[str, ...], BeforeValidator(_tickers)]
FilePath = Annotated[Path, BeforeValidator(expand_path)]
