// The bracket ladder: every market of an event, its price over time and its result,
// drawn with plotly.js (served from the installed plotly package) from the same API.
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(window.location.search);
const keyInput = $("apikey");
keyInput.value = window.localStorage.getItem("ktape-api-key") || "";

async function api(path) {
  const headers = keyInput.value ? { "X-API-Key": keyInput.value } : {};
  const response = await fetch(path, { headers });
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.code}: ${body.message}`);
  return body;
}

async function allRows(path) {
  const rows = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    rows.push(...page.rows);
    cursor = page.cursor;
  } while (cursor && rows.length < 5000);
  return rows;
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

function fill(select, values, chosen) {
  select.replaceChildren(...values.map((v) => new Option(v, v, false, v === chosen)));
}

async function loadSeries() {
  const series = (await allRows("/v1/series?limit=1000")).map((s) => s.ticker);
  const wanted = params.get("series") || (params.get("event") || "").split("-")[0];
  fill($("series"), series, series.includes(wanted) ? wanted : series[0]);
}

async function loadEvents() {
  const series = $("series").value;
  if (!series) return;
  const events = (await allRows(`/v1/events?limit=1000&series_ticker=${encodeURIComponent(series)}`))
    .map((e) => e.event_ticker).sort().reverse();
  const wanted = params.get("event");
  fill($("event"), events, events.includes(wanted) ? wanted : events[0]);
}

function price(candle) {
  if (candle.price_close !== null) return Number(candle.price_close);
  if (candle.yes_bid_close === null || candle.yes_ask_close === null) return null;
  const bid = Number(candle.yes_bid_close), ask = Number(candle.yes_ask_close);
  return ask - bid <= 0.25 ? (bid + ask) / 2 : null;  // no real book (e.g. after close)
}

function bracketOrder(market) {
  const floor = market.floor_strike === null ? -1e9 : Number(market.floor_strike);
  const cap = market.cap_strike === null ? 1e9 : Number(market.cap_strike);
  return floor === -1e9 ? cap - 1e6 : floor;
}

async function draw() {
  const event = $("event").value;
  if (!event) { setStatus("No events stored yet."); return; }
  const period = $("period").value;
  setStatus(`Loading ${event}…`);
  const [candles, markets] = await Promise.all([
    api(`/v1/events/${encodeURIComponent(event)}/candles?period=${period}`),
    allRows(`/v1/markets?limit=1000&event_ticker=${encodeURIComponent(event)}`),
  ]);
  markets.sort((a, b) => bracketOrder(a) - bracketOrder(b));
  const byMarket = new Map(markets.map((m) => [m.ticker, []]));
  for (const c of candles.candles) {
    if (!byMarket.has(c.market_ticker)) byMarket.set(c.market_ticker, []);
    byMarket.get(c.market_ticker).push(c);
  }
  const traces = markets.map((m) => {
    const rows = byMarket.get(m.ticker) || [];
    const won = m.result === "yes" ? " ✓" : "";
    return {
      type: "scatter", mode: "lines", name: `${m.yes_sub_title || m.ticker}${won}`,
      x: rows.map((c) => c.end_period_ts), y: rows.map(price),
      line: { width: m.result === "yes" ? 3.5 : 1.5 }, connectgaps: true,
      hovertemplate: `${m.ticker}<br>%{x}<br>$%{y:.4f}<extra></extra>`,
    };
  });
  const settled = markets.filter((m) => m.result === "yes" || m.result === "no");
  const lastX = candles.candles.length ? candles.candles[candles.candles.length - 1].end_period_ts : null;
  const marks = {
    type: "scatter", mode: "markers", name: "settled (1 = YES)", showlegend: settled.length > 0,
    x: settled.map(() => lastX), y: settled.map((m) => (m.result === "yes" ? 1 : 0)),
    text: settled.map((m) => `${m.ticker}: ${m.result}`), hoverinfo: "text",
    marker: { symbol: "diamond", size: 11, color: settled.map((m) => (m.result === "yes" ? "#0a7d32" : "#999")) },
  };
  const layout = {
    title: { text: `${event} · ${candles.source} candles${candles.stale ? " (stale)" : ""}` },
    yaxis: { title: { text: "YES price ($)" }, range: [0, 1.02], tickformat: ".2f" },
    xaxis: { title: { text: "period end (UTC)" } },
    legend: { title: { text: "bracket (✓ settled YES)" } },
    margin: { t: 50, r: 20 },
  };
  await Plotly.react("chart", [...traces, marks], layout, { responsive: true, displaylogo: false });
  $("chart").dataset.traces = String(traces.length);
  $("chart").dataset.points = String(candles.candles.length);
  $("results").tBodies[0].replaceChildren(...markets.map((m) => {
    const row = document.createElement("tr");
    const cells = [m.ticker, m.yes_sub_title || "", m.last_price ?? "", m.result || "open"];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (i === 3 && m.result) td.className = m.result;
      row.appendChild(td);
    });
    return row;
  }));
  setStatus(`${markets.length} markets, ${candles.candles.length} candles; source ${candles.source}` +
    `, complete ${candles.complete}${candles.stale ? ", STALE (Kalshi unreachable)" : ""}.`);
  document.body.dataset.ready = "true";
}

function guarded(fn) {
  return () => fn().catch((err) => setStatus(String(err.message || err), true));
}

keyInput.addEventListener("change", guarded(async () => {
  window.localStorage.setItem("ktape-api-key", keyInput.value);
  await loadSeries(); await loadEvents(); await draw();
}));
$("series").addEventListener("change", guarded(async () => { await loadEvents(); await draw(); }));
$("event").addEventListener("change", guarded(draw));
$("period").addEventListener("change", guarded(draw));
if (params.get("period")) $("period").value = params.get("period");
guarded(async () => { await loadSeries(); await loadEvents(); await draw(); })();
