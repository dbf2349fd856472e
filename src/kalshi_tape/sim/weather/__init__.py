"""Simulated weather services (IEM, Aviation Weather Center, NWS API) serving the same
formats as the real ones, from the market generator's latent temperature paths.

Point the settings at a running simulator: `weather_base_urls("http://127.0.0.1:8765")`.
"""

from kalshi_tape.sim.weather.routes import weather_routes


def weather_base_urls(root_url: str) -> dict[str, str]:
    """Settings keys -> base URLs of the simulated services under `root_url`."""
    root = root_url.rstrip("/")
    return {
        "iem_url": f"{root}/iem",
        "awc_url": f"{root}/awc",
        "nws_url": f"{root}/nws",
        "visual_crossing_url": f"{root}/vc",
    }


__all__ = ["weather_base_urls", "weather_routes"]
