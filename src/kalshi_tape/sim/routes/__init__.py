"""The simulator's REST routes under /trade-api/v2, one module per resource; `sim.rest.RestApi`
assembles them into one route table."""
