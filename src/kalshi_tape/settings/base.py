"""The base of every settings model: strict, frozen, unknown keys refused.

The models are pydantic-settings `BaseSettings`, fed only by their keyword arguments:
`sources.resolve` gathers the file, environment and flag layers itself so that an error can
name where the offending value came from.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class StrictSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

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


Number = Annotated[float, BeforeValidator(_not_a_boolean)]
Integer = Annotated[int, BeforeValidator(_not_a_boolean)]
HttpUrl = Annotated[str, _url(("http", "https"))]
WsUrl = Annotated[str, _url(("ws", "wss"))]
