"""`ktape sim`: a deterministic local Kalshi exchange (REST + WebSocket) for tests and demos.

Public entry points: `SimConfig` / `Faults` (config), `SimServer` (server), `create_app` (app).
"""
