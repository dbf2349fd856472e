"""HTTP routes of the simulated weather services, each under its own prefix so the settings
can point a base URL at it: `/iem` (IEM), `/awc` (Aviation Weather Center), `/nws`
(api.weather.gov), `/vc` (Visual Crossing timeline; any non-empty key). `/_sim/weather`
switches a fault mode for tests: `html` answers every weather request with an HTML error
page (status 200), `truncate` cuts bodies short."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kalshi_tape.core.clock import Clock
from kalshi_tape.core.timeparse import iso_time
from kalshi_tape.sim.weather import render
from kalshi_tape.sim.weather.model import (
    ASOS1MIN_DELAY_S,
    METAR_RECEIPT_S,
    SimWeather,
    climate_days,
)
from kalshi_tape.sim.weather.stations import (
    SimStation,
    find_station,
    station_at,
    station_on_grid,
)

AWC_HISTORY_S = 15 * 86400
MODES = ("normal", "html", "truncate")
HTML_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>"
    "<body><h1>Service Temporarily Unavailable</h1><p>The server is down for maintenance."
    "</p></body></html>\n"
)
Handler = Callable[[Request], Awaitable[Response]]


class BadRequest(Exception):
    pass


class WeatherService:
    """The handlers; `clock` is the exchange's market clock (what "now" is)."""

    def __init__(self, seed: int, clock: Clock) -> None:
        self.weather = SimWeather(seed)
        self.clock = clock
        self.mode = "normal"

    def now_s(self) -> int:
        return self.clock.now_ns() // 1_000_000_000

    # ------------------------------------------------------------------ IEM

    async def asos1min(self, request: Request) -> Response:
        st = _station(request, "station")
        start, end = _window(request)
        last = min(end, self.now_s() - ASOS1MIN_DELAY_S + 1)
        rows = ["station,station_name,valid(UTC),tmpf,dwpf"]
        for ts in range(start - start % 60 + (60 if start % 60 else 0), last, 60):
            if self.weather.minute_missing(st, ts):
                temp = dew = "M"
            else:
                temp = str(self.weather.minute_f(st, ts))
                dew = str(min(self.weather.dewpoint_f(st, ts), int(temp)))
            rows.append(f"{st.code},{st.name},{render.utc(ts):%Y-%m-%d %H:%M},{temp},{dew}")
        return self._text("\n".join(rows) + "\n", "text/csv")

    async def asos(self, request: Request) -> Response:
        st = _station(request, "station")
        start, end = _window(request)
        last = min(end, self.now_s() - METAR_RECEIPT_S + 1)
        rows = ["station,valid,metar"]
        for ts in render.metar_times(st, start, last):
            text, _ = render.metar_text(self.weather, st, ts)
            rows.append(f"{st.code},{render.utc(ts):%Y-%m-%d %H:%M},{text}")
        return self._text("\n".join(rows) + "\n", "text/csv")

    async def cli_json(self, request: Request) -> Response:
        found = find_station(request.query_params.get("station", ""))
        year = _int(request, "year")
        results = []
        now = self.now_s()
        if found is not None:
            for day in render.year_days(year):
                if int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) > now:
                    break
                issued = self.weather.issued_by(found, day, now)
                if issued:
                    results.append(render.cli_json_row(issued[-1]))
        body = {"results": results, "generated_at": f"{render.utc(now):%Y-%m-%dT%H:%M:%SZ}"}
        return self._text(json.dumps(body), "application/json")

    async def afos(self, request: Request) -> Response:
        pil = request.query_params.get("pil", "").upper()
        st = find_station(pil)
        first = _date(request, "sdate")
        last = _date(request, "edate")
        lo = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
        hi = int(datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp())
        hi = min(hi, self.now_s() + 1)
        products = []
        if st is not None and st.pil == pil:
            for day in climate_days(st, lo - 2 * 86400, hi):
                for issue in self.weather.climate_issues(st, day):
                    if lo <= issue.issued_ts < hi:
                        products.append((issue.issued_ts, render.cli_product(issue)))
        products.sort(reverse=request.query_params.get("order", "desc") == "desc")
        limit = _int(request, "limit", default=1)
        return self._text("".join(p for _, p in products[:limit]), "text/plain")

    # ------------------------------------------------------------------ AWC

    async def awc_metar(self, request: Request) -> Response:
        ids = [i for i in request.query_params.get("ids", "").upper().split(",") if i]
        hours = _int(request, "hours", default=1)
        now = self.now_s()
        end = min(now - METAR_RECEIPT_S, _moment(request.query_params.get("date")) or now)
        start = max(end - hours * 3600, now - AWC_HISTORY_S)
        out = []
        for ident in ids:
            st = find_station(ident)
            if st is None or st.icao != ident:
                continue
            for ts in reversed(render.metar_times(st, start, end + 1)):
                text, groups = render.metar_text(self.weather, st, ts)
                out.append(_awc_item(st, ts, text, groups))
        return self._text(json.dumps(out), "application/json")

    # ------------------------------------------------------------------ NWS

    async def points(self, request: Request) -> Response:
        try:
            lat, lon = (float(v) for v in request.path_params["coords"].split(","))
        except ValueError:
            return _problem(400, "Invalid Parameter", "coordinates must be lat,lon")
        st = station_at(lat, lon)
        if st is None:
            return _problem(404, "Data Unavailable For Requested Point", f"{lat},{lon}")
        x, y = st.grid
        base = str(request.base_url).rstrip("/") + "/nws"
        props = {
            "gridId": st.wfo,
            "gridX": x,
            "gridY": y,
            "forecastHourly": f"{base}/gridpoints/{st.wfo}/{x},{y}/forecast/hourly",
            "timeZone": st.city.iana_zone,
        }
        return self._text(
            json.dumps({"type": "Feature", "properties": props}), "application/geo+json"
        )

    async def hourly(self, request: Request) -> Response:
        wfo = request.path_params["wfo"]
        try:
            x, y = (int(v) for v in request.path_params["xy"].split(","))
        except ValueError:
            return _problem(400, "Invalid Parameter", "grid must be x,y")
        st = station_on_grid(wfo, x, y)
        if st is None:
            return _problem(404, "Not Found", f"no grid {wfo}/{x},{y}")
        now = self.now_s()
        body = render.forecast_json(self.weather, st, now - now % 3600, now)
        return self._text(json.dumps(body), "application/geo+json")

    # ------------------------------------------------------------------ Visual Crossing

    async def timeline(self, request: Request) -> Response:
        if not request.query_params.get("key"):
            return Response("No API key or session found\n", 401, media_type="text/plain")
        location = request.path_params["location"]
        st = find_station(location.removeprefix("stn:"))
        if st is None:
            raise BadRequest(f"Invalid location parameter value: {location}")
        first = _path_date(request.path_params["first"])
        last = _path_date(request.path_params["last"])
        if last < first:
            raise BadRequest("the end date is before the start date")
        now = self.now_s()
        days = []
        for i in range((last - first).days + 1):
            day = first + timedelta(days=i)
            start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
            hours = []
            for h in range(24):
                top = start + 3600 * h
                minutes = [
                    {"datetime": f"{h:02d}:{m:02d}:00", "datetimeEpoch": top + 60 * m,
                     "temp": round(self.weather.temperature(st, top + 60 * m), 1)}
                    for m in range(0, 60, 5)
                    if top + 60 * m <= now
                ]  # fmt: skip
                if minutes:
                    hours.append({"datetime": f"{h:02d}:00:00", "datetimeEpoch": top,
                                  "temp": minutes[0]["temp"], "minutes": minutes})  # fmt: skip
            days.append({"datetime": day.isoformat(), "datetimeEpoch": start, "hours": hours})
        body = {"queryCost": len(days), "resolvedAddress": location, "timezone": "Z", "days": days}
        return self._text(json.dumps(body), "application/json")

    # ------------------------------------------------------------------ plumbing

    def _text(self, body: str, media_type: str) -> Response:
        if self.mode == "html":
            return Response(HTML_PAGE, 200, media_type="text/html")
        if self.mode == "truncate" and len(body) > 40:
            body = body[: int(len(body) * 0.6)]
        return Response(body, 200, media_type=media_type)

    async def admin(self, request: Request) -> Response:
        if request.method == "POST":
            mode = json.loads(await request.body() or b"{}").get("mode", "normal")
            if mode not in MODES:
                return JSONResponse({"error": f"mode must be one of {', '.join(MODES)}"}, 400)
            self.mode = mode
        return JSONResponse({"mode": self.mode})


def _guard(handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except BadRequest as exc:
            return Response(f"ERROR: {exc}\n", 422, media_type="text/plain")

    return wrapped


def _station(request: Request, name: str) -> SimStation:
    value = request.query_params.get(name, "")
    st = find_station(value)
    if st is None:
        raise BadRequest(f"Unknown station provided: {value!r}")
    return st


def _window(request: Request) -> tuple[int, int]:
    start = _moment(request.query_params.get("sts"))
    end = _moment(request.query_params.get("ets"))
    if start is None or end is None:
        raise BadRequest("sts and ets are required (ISO-8601 with a zone)")
    if end <= start:
        raise BadRequest("ets must be after sts")
    if end - start > 370 * 86400:
        raise BadRequest("at most a year per request")
    return start, end


def _moment(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(iso_time(text).timestamp())
    except ValueError:
        raise BadRequest(f"not an ISO-8601 time: {text!r}") from None


def _date(request: Request, name: str) -> date:
    try:
        return date.fromisoformat(request.query_params.get(name, ""))
    except ValueError:
        raise BadRequest(f"{name} must be YYYY-MM-DD") from None


def _path_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"not a date: {text!r}") from None


def _int(request: Request, name: str, default: int | None = None) -> int:
    value = request.query_params.get(name)
    if value is None and default is not None:
        return default
    try:
        return int(value or "")
    except ValueError:
        raise BadRequest(f"{name} must be an integer") from None


def _problem(status: int, title: str, detail: str) -> Response:
    body: dict[str, object] = {"title": title, "status": status, "detail": detail}
    body["type"] = "https://api.weather.gov/problems/" + title.replace(" ", "")
    return Response(json.dumps(body), status, media_type="application/problem+json")


def _awc_item(st: SimStation, ts: int, text: str, groups: dict[str, float]) -> dict[str, object]:
    when = render.utc(ts)
    receipt = when + timedelta(seconds=METAR_RECEIPT_S)
    return {
        "icaoId": st.icao,
        "receiptTime": receipt.isoformat().replace("+00:00", ".000Z"),
        "obsTime": ts,
        "reportTime": when.isoformat().replace("+00:00", ".000Z"),
        **groups,
        "wdir": 0,
        "wspd": 0,
        "visib": "10+",
        "altim": 1016.6,
        "metarType": "METAR",
        "rawOb": f"METAR {text}",
        "lat": st.lat,
        "lon": st.lon,
        "name": st.name,
    }


def weather_routes(seed: int, clock: Clock) -> list[Route]:
    """The weather routes of a simulator whose market clock is `clock`."""
    svc = WeatherService(seed, clock)
    g = _guard
    return [
        Route("/iem/cgi-bin/request/asos1min.py", g(svc.asos1min)),
        Route("/iem/cgi-bin/request/asos.py", g(svc.asos)),
        Route("/iem/json/cli.py", g(svc.cli_json)),
        Route("/iem/cgi-bin/afos/retrieve.py", g(svc.afos)),
        Route("/awc/api/data/metar", g(svc.awc_metar)),
        Route("/nws/points/{coords}", g(svc.points)),
        Route("/nws/gridpoints/{wfo}/{xy}/forecast/hourly", g(svc.hourly)),
        Route(
            "/vc/VisualCrossingWebServices/rest/services/timeline/{location}/{first}/{last}",
            g(svc.timeline),
        ),
        Route("/_sim/weather", svc.admin, methods=["GET", "POST"]),
    ]
