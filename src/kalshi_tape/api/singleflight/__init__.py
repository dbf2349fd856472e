"""One upstream fetch per key across every worker of `ktape serve`.

`SharedFlight.run(key, make, ttl_s)` returns `make()`'s result (JSON text); while one
caller anywhere runs it, the others wait for that result, and a result stays shared for
`ttl_s`. Three implementations behind that one method:

* `LocalFlight`: in this process only (the embedded DuckDB default, one worker);
* `RedisFlight`: a lock with a token and a TTL (`SET NX PX`), the result cached in Redis
  with a TTL; waiters poll for it; a crashed holder's lock expires;
* `PostgresFlight`: `pg_try_advisory_lock` on a hash of the key, the result in the
  `api_flights` table; a crashed holder's session ends and its lock with it.

`shared_flight(settings)` picks one: Redis when `KTAPE_REDIS_URL` is set, else advisory
locks when the warehouse is PostgreSQL, else in-process.
"""

from kalshi_tape.api.singleflight.base import FlightError, LocalFlight, SharedFlight
from kalshi_tape.api.singleflight.choose import shared_flight

__all__ = ["FlightError", "LocalFlight", "SharedFlight", "shared_flight"]
