"""Series routes: /series, /series/{series_ticker}, /series/fee_changes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kalshi_tape import wire as w
from kalshi_tape.sim.encode import raw
from kalshi_tape.sim.routes.common import Params, RestBase, json_response, not_found


class SeriesRoutes(RestBase):
    """Series list and single series, with optional volume."""

    def _series_volume(self, series: str) -> int:
        total = 0
        for spec in self.ex.events(series):
            if spec.open_ts <= self.ex.now_s:
                for market in spec.markets:
                    total += self.ex.market_timeline(spec, market).volume_at(self.ex.now_us)
        return total

    async def series_list(self, request: Request) -> Response:
        params = Params(request)
        category, tags = params.text("category"), params.text("tags")
        with_volume = params.boolean("include_volume")
        params.boolean("include_product_metadata")
        params.integer("min_updated_ts")
        out = []
        for series in self.ex.series:
            item = self.enc.series(series)
            if category is not None and category not in (item.categories or []):
                continue
            if tags is not None and not set(tags.split(",")) & set(item.tags or []):
                continue
            if with_volume:
                item.volume_fp = self.enc.series(series, self._series_volume(series)).volume_fp
            out.append(raw(item))
        return json_response(w.WSeriesListResponse(series=out))

    async def series_one(self, request: Request) -> Response:
        series = request.path_params["series_ticker"]
        if series not in self.ex.series:
            raise not_found(f"series {series}")
        volume = self._series_volume(series) if Params(request).boolean("include_volume") else None
        return json_response(w.WSeriesResponse(series=raw(self.enc.series(series, volume))))

    async def series_fee_changes(self, request: Request) -> Response:
        Params(request).boolean("show_historical")
        return Response(b'{"series_fee_change_arr":[]}', media_type="application/json")
