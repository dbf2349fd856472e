"""The candle API (`ktape serve`): FastAPI over the warehouse, with Kalshi fetch-through.

    from kalshi_tape.api import create_app, load_api_settings
    app = create_app(load_api_settings())

See docs/api.md.
"""

from kalshi_tape.api.app import create_app
from kalshi_tape.settings.api import ApiSettings
from kalshi_tape.settings.entry import load_api_settings

__all__ = ["ApiSettings", "create_app", "load_api_settings"]
