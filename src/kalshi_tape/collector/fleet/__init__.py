"""A self-healing fleet of collectors on PostgreSQL: work claimed through leases.

```python
book = LeaseBook(url, member_id)            # one PostgreSQL connection of its own
member = FleetMember(book, lease_seconds=10, on_change=reassign)
member.mine("KXHIGHNY-26DEC07")             # does this process hold the event?
await member.run(stop)                      # heartbeat, claim, renew, release
```

Each collector heartbeats in `collector_members`; the live members split the candidate
events by rendezvous hashing (a join or a leave moves only the events that must move);
an event is collected only by the holder of its row in `collector_leases`, renewed every
third of a lease, with a fencing token that changes at every new holder. See
docs/collector.md, "A fleet on PostgreSQL", for the safety argument.
"""

from kalshi_tape.collector.fleet.leases import LeaseBook, MemberReport
from kalshi_tape.collector.fleet.member import FleetMember
from kalshi_tape.collector.fleet.rendezvous import owner_of
from kalshi_tape.collector.fleet.status import FleetStatus, read_status

__all__ = ["FleetMember", "FleetStatus", "LeaseBook", "MemberReport", "owner_of", "read_status"]
