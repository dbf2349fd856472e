"""One settings model for the whole project (pydantic-settings).

Sources, lowest to highest precedence: defaults < YAML file (`--config` / `$KTAPE_CONFIG`)
< environment (`KALSHI_*`, `KTAPE_*`) < command-line flags. Every value is validated
strictly by the pydantic models of this package; an error names the setting and where its
value came from (file and key, environment variable, or flag). Secrets are `SecretStr`.
"""

from kalshi_tape.settings.api import ApiModel
from kalshi_tape.settings.core import CoreModel
from kalshi_tape.settings.sources import Layer, refuse_unknown_env, resolve

__all__ = ["ApiModel", "CoreModel", "Layer", "refuse_unknown_env", "resolve"]
