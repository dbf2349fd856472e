"""`Settings`: what every command shares (exchange, credentials, warehouse, weather URLs).

Built from `CoreModel` by `settings.load`; settings built in code are checked by the same
model. Secrets (the private key) are read from a file path, never printed: `__repr__`
masks them and `describe()` shows only where they come from.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from kalshi_tape.core.errors import ConfigError
from kalshi_tape.settings.core import (
    AWC_URL,
    DEFAULT_DB_URL,
    IEM_URL,
    NWS_URL,
    PRODUCTION_BASE_URL,
    VISUAL_CROSSING_URL,
    CoreModel,
)
from kalshi_tape.settings.redact import mask, redact_url
from kalshi_tape.settings.sources import Layer, resolve

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
PLAIN = ("base_url", "ws_url", "tier", "iem_url", "awc_url", "nws_url", "visual_crossing_url")


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
        """The model's rules, for settings built in code."""
        values = {k: getattr(self, k) for k in PLAIN if getattr(self, k) is not None}
        resolve(CoreModel, [Layer.of(values, "code")])

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
        shown["api_key_id"] = mask(self.api_key_id)
        shown["db_url"] = redact_url(self.db_url)
        shown["visual_crossing_key"] = mask(self.visual_crossing_key)
        return shown

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.describe().items())
        return f"Settings({inner})"


def settings_from_model(model: CoreModel) -> Settings:
    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value is not None else None

    key_path = secret(model.private_key_path)
    return Settings(
        **model.model_dump(include=set(PLAIN)),
        api_key_id=secret(model.api_key_id),
        private_key_path=Path(key_path).expanduser() if key_path else None,
        db_url=model.db_url.get_secret_value(),
        visual_crossing_key=secret(model.visual_crossing_key),
    )


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
