"""Paths of the shared real samples and small fixtures built from the documented layouts."""

from __future__ import annotations

from tests.shared_data import SHARED

SAMPLES = SHARED / "weather_samples"
FIXTURES = SHARED / "kalshi" / "fixtures"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# IEM asos1min CSV, exact header from IEM's source (weather.md §3.2).
ASOS1MIN_CSV = (
    b"station,station_name,valid(UTC),tmpf,dwpf\n"
    b"NYC,NEW YORK CITY,2026-07-01 05:00,75,60\n"
    b"NYC,NEW YORK CITY,2026-07-01 05:01,M,M\n"
    b"NYC,NEW YORK CITY,2026-07-01 05:02,76,61\n"
)

IEM_METAR_CSV = (
    b"station,valid,metar\n"
    b"PHX,2019-07-01 11:51,KPHX 011151Z 00000KT 10SM FEW120 32/09 A2982 RMK AO2 SLP073 "
    b"T03170094 10372 20317 53004 $\n"
    b"PHX,2019-07-01 12:51,M\n"
)

# AWC JSON item shape (weather.md §4); rawOb and temp from the documented KORD capture.
AWC_JSON = (
    b'[{"icaoId":"KORD","receiptTime":"2025-09-21T18:54:12.948Z","obsTime":1758480660,'
    b'"reportTime":"2025-09-21T19:00:00.000Z","temp":14.4,"dewp":2.8,"wdir":250,"wspd":9,'
    b'"visib":"10+","altim":1017.2,"metarType":"METAR","maxT":15.0,"minT":10.6,'
    b'"rawOb":"METAR KORD 211851Z 25009KT 10SM FEW250 14/03 A3004 RMK AO2 SLP173 '
    b'T01440028 10150 20106","lat":41.96,"lon":-87.93,"name":"Chicago/O\'Hare Intl, IL, US"}]'
)

IEM_CLI_JSON = (
    b'{"results":[{"station":"KNYC","valid":"2013-01-02","high":33,"high_time":"301 PM",'
    b'"low":22,"low_time":"743 AM","precip":"T","snow":"M",'
    b'"product":"201301030616-KOKX-CDUS41-CLINYC","name":"CENTRAL PARK"},'
    b'{"station":"KNYC","valid":"2013-01-03","high":"M","high_time":"M","low":"M",'
    b'"product":"201301031755-KOKX-CDUS41-CLINYC","name":"CENTRAL PARK"}],'
    b'"generated_at":"2026-11-22T00:00:00Z"}'
)

NWS_POINT = (
    b'{"type":"Feature","properties":{"gridId":"OKX","gridX":33,"gridY":37,'
    b'"forecastHourly":"https://api.weather.gov/gridpoints/OKX/33,37/forecast/hourly"}}'
)

NWS_HOURLY = (
    b'{"type":"Feature","properties":{"units":"us","generatedAt":"2026-07-01T14:12:05+00:00",'
    b'"updateTime":"2026-07-01T13:38:41+00:00","periods":[{"number":1,'
    b'"startTime":"2026-07-01T10:00:00-04:00","endTime":"2026-07-01T11:00:00-04:00",'
    b'"isDaytime":true,"temperature":84,"temperatureUnit":"F",'
    b'"probabilityOfPrecipitation":{"unitCode":"wmoUnit:percent","value":20},'
    b'"dewpoint":{"unitCode":"wmoUnit:degC","value":18.3333},"windSpeed":"12 mph",'
    b'"shortForecast":"Mostly Sunny"}]}}'
)

VC_TIMELINE = (
    b'{"queryCost":1,"resolvedAddress":"stn:KNYC","timezone":"Z","tzoffset":0.0,'
    b'"days":[{"datetime":"2026-07-01","datetimeEpoch":1782864000,"tempmax":88.1,'
    b'"hours":[{"datetime":"00:00:00","datetimeEpoch":1782864000,"temp":75.2,'
    b'"minutes":[{"datetime":"00:00:00","datetimeEpoch":1782864000,"temp":75.2,"dew":60.1},'
    b'{"datetime":"00:05:00","datetimeEpoch":1782864300,"temp":75.0,"dew":60.0}]},'
    b'{"datetime":"01:00:00","datetimeEpoch":1782867600,"temp":74.1}]}]}'
)

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1></body></html>\n"
)
