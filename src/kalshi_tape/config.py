"""The shared Kalshi `Settings`, loaded through the one settings model (kalshi_tape.settings).

Precedence, lowest to highest: defaults < YAML file < environment < flags.
Secrets (the private key) are read from a file path, never printed: `Settings.__repr__`
masks them and `Settings.describe()` shows only where they come from.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from kalshi_tape.errors import ConfigError
from kalshi_tape.settings.core import ENV_NAMES as ENV_VARS
from kalshi_tape.settings.core import CoreModel
from kalshi_tape.settings.environment import check_environment
from kalshi_tape.settings.files import CONFIG_FILE_ENV, read_yaml
from kalshi_tape.settings.sources import (
    Layer,
    from_env,
    from_file,
    from_flags,
    resolve,
)

PRODUCTION_BASE_URL = "https://external-api.kalshi.com/trade-api/v2"
PRODUCTION_WS_URL = "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
DEMO_BASE_URL = "https://external-api.demo.kalshi.co/trade-api/v2"
DEMO_WS_URL = "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"

# Documented REST -> WebSocket pairs (kalshi-api.md §1), including the older shared hosts.
KNOWN_WS_URLS: dict[str, str] = {
    PRODUCTION_BASE_URL: PRODUCTION_WS_URL,
    "https://api.elections.kalshi.com/trade-api/v2": "wss://api.elections.kalshi.com/trade-api/ws/v2",
    DEMO_BASE_URL: DEMO_WS_URL,
    "https://demo-api.kalshi.co/trade-api/v2": "wss://demo-api.kalshi.co/trade-api/ws/v2",
}
ENVIRONMENTS = {"production": PRODUCTION_BASE_URL, "demo": DEMO_BASE_URL}
TIERS = ("basic", "advanced", "expert", "premier", "paragon", "prime", "prestige", "unlimited")
DEFAULT_DB_URL = "duckdb:///kalshi-tape.duckdb"

# Weather services (kalshi_tape.weather); point them at `ktape sim` to test offline.
IEM_URL = "https://mesonet.agron.iastate.edu"
AWC_URL = "https://aviationweather.gov"
NWS_URL = "https://api.weather.gov"
VISUAL_CROSSING_URL = "https://weather.visualcrossing.com"
# Mappings of the YAML file read by subsystems themselves (e.g. `api:` by ktape serve).
SECTIONS = ("api",)
WEATHER_URLS = ("iem_url", "awc_url", "nws_url", "visual_crossing_url")


@dataclass(frozen=True, slots=True)
class Settings:
    base_url: str = PRODUCTION_BASE_URL
    ws_url: str | None = None
    api_key_id: str | None = None
    private_key_path: Path | None = None
    tier: str = "basic"
    db_url: str = DEFAULT_DB_URL
    iem_url: str = IEM_URL
    awc_url: str = AWC_URL
    nws_url: str = NWS_URL
    visual_crossing_url: str = VISUAL_CROSSING_URL
    visual_crossing_key: str | None = None

    def __post_init__(self) -> None:
        _check_http_url("base_url", self.base_url)
        for key in ("iem_url", "awc_url", "nws_url", "visual_crossing_url"):
            _check_http_url(key, getattr(self, key))
        if self.ws_url is not None:
            _check_url("ws_url", self.ws_url, ("ws", "wss"))
        if self.tier not in TIERS:
            raise ConfigError("tier", f"{self.tier!r} is not one of {', '.join(TIERS)}")

    @property
    def resolved_ws_url(self) -> str:
        return self.ws_url or ws_url_for(self.base_url)

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key_id and self.private_key_path)

    @classmethod
    def production(cls) -> Settings:
        return cls(base_url=PRODUCTION_BASE_URL)

    @classmethod
    def demo(cls) -> Settings:
        return cls(base_url=DEMO_BASE_URL)

    def describe(self) -> dict[str, str]:
        """A printable view: the key file's path is shown, its content never."""
        shown = {f.name: str(getattr(self, f.name)) for f in fields(self)}
        shown["ws_url"] = self.resolved_ws_url
        shown["api_key_id"] = _mask(self.api_key_id)
        shown["db_url"] = redact_url(self.db_url)
        shown["visual_crossing_key"] = _mask(self.visual_crossing_key)
        return shown

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.describe().items())
        return f"Settings({inner})"


def ws_url_for(base_url: str) -> str:
    """The WebSocket URL paired with a REST base URL.

    Documented hosts map to their documented pair; any other `http(s)://HOST/trade-api/v2`
    maps to `ws(s)://HOST/trade-api/ws/v2`.
    """
    base = base_url.rstrip("/")
    if base in KNOWN_WS_URLS:
        return KNOWN_WS_URLS[base]
    parts = urlsplit(base)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme)
    if scheme is None or not parts.path.endswith("/trade-api/v2"):
        raise ConfigError("ws_url", f"cannot derive a WebSocket URL from {base_url!r}; set it")
    path = parts.path[: -len("/trade-api/v2")] + "/trade-api/ws/v2"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: str | Path | None = None,
) -> Settings:
    """Build Settings: defaults < YAML file < environment < `overrides` (flags; None ignored)."""
    env = os.environ if env is None else env
    path = config_file or env.get(CONFIG_FILE_ENV)
    data = read_yaml(Path(path)) if path else {}
    check_environment(env)
    file_values = {k: v for k, v in data.items() if k not in SECTIONS}
    layers = [
        from_file(file_values, path),
        from_env(env, ENV_VARS, empty_unset=True),
        from_flags(overrides),
    ]
    model = resolve(CoreModel, [named_environment(layer) for layer in layers])
    return settings_from_model(model)


def settings_from_model(model: CoreModel) -> Settings:
    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value is not None else None

    key_path = secret(model.private_key_path)
    return Settings(
        **model.model_dump(include={"base_url", "ws_url", "tier", *WEATHER_URLS}),
        api_key_id=secret(model.api_key_id),
        private_key_path=Path(key_path).expanduser() if key_path else None,
        db_url=model.db_url.get_secret_value(),
        visual_crossing_key=secret(model.visual_crossing_key),
    )


def named_environment(layer: Layer) -> Layer:
    """A named `environment` is a `base_url` at its own layer (unless that sets one)."""
    if "environment" not in layer.values:
        return layer
    values, where = dict(layer.values), dict(layer.where)
    name, origin = values.pop("environment"), where.pop("environment")
    if name not in ENVIRONMENTS:
        raise ConfigError(
            "environment", f"{name!r} is not one of {sorted(ENVIRONMENTS)} (from {origin})"
        )
    if "base_url" not in values:
        values["base_url"], where["base_url"] = ENVIRONMENTS[name], origin
    return Layer(values, where)


def _check_http_url(key: str, url: str) -> None:
    _check_url(key, url, ("http", "https"))


def _check_url(key: str, url: str, schemes: tuple[str, ...]) -> None:
    if not isinstance(url, str):
        raise ConfigError(key, f"{url!r} is not a {'/'.join(schemes)} URL")
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.netloc:
        raise ConfigError(key, f"{url!r} is not a {'/'.join(schemes)} URL")


_SECRET_KEYS = ("password", "passfile", "sslpassword")
# `password=...` in a keyword DSN or a query string; the value ends at `&` or a space.
_KEYWORD_SECRET = re.compile(
    r"\b(password|passfile|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]+)", re.I
)


def redact_url(url: str) -> str:
    """A database URL or keyword DSN fit to print: passwords replaced by `***`.

    Handles `scheme://user:secret@host/db`, `...?password=secret` (with or without a
    host part), `host=h password=secret`, and malformed URLs (by the keyword rule).
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return _KEYWORD_SECRET.sub(lambda m: f"{m.group(1)}=***", _hide_userinfo(url))
    if not parts.scheme or not parts.netloc:
        return _KEYWORD_SECRET.sub(lambda m: f"{m.group(1)}=***", url)
    query = "&".join(
        f"{k}=***" if k.lower() in _SECRET_KEYS else f"{k}={v}" if sep else k
        for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    netloc = _hide_userinfo(parts.netloc)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _hide_userinfo(text: str) -> str:
    """`user:secret@host` -> `user:***@host` (the last `@` ends the user part)."""
    head, at, host = text.rpartition("@")
    if not at or ":" not in head:
        return text
    scheme, sep, userinfo = head.rpartition("//")
    return f"{scheme}{sep}{userinfo.split(':', 1)[0]}:***@{host}"


def _mask(secret: str | None) -> str:
    if not secret:
        return "(not set)"
    return secret[:4] + "…" if len(secret) > 8 else "…"
