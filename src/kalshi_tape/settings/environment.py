"""The whole `KTAPE_*` environment checked at every start, whatever the command reads:
a typo in a name or a value stops `ktape collect` as surely as `ktape serve`."""

from __future__ import annotations

from collections.abc import Mapping

from kalshi_tape.settings.api import ApiModel
from kalshi_tape.settings.core import ENV_NAMES
from kalshi_tape.settings.files import CONFIG_FILE_ENV
from kalshi_tape.settings.sources import from_env, refuse_unknown_env, resolve

# KTAPE_* variables read outside the settings model (the shared cache of issue 20).
EXTRA_ENV = ("KTAPE_REDIS_URL",)


def known_env_names() -> set[str]:
    """Every `KTAPE_*` variable a setting reads."""
    return {CONFIG_FILE_ENV, *ENV_NAMES.values(), *ApiModel.env_names().values(), *EXTRA_ENV}


def check_environment(env: Mapping[str, str]) -> None:
    """Unknown `KTAPE_*` names and bad `KTAPE_API_*` values raise `ConfigError`."""
    refuse_unknown_env(env, known_env_names(), "KTAPE_")
    resolve(ApiModel, [from_env(env, ApiModel.env_names(), empty_unset=False)], "api.")
