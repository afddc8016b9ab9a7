"""How much load each step sends: the full run, and the --quick smoke run.

Every step is bounded twice, by a request count here and by a time limit, so a slow server
makes a row with fewer requests (marked "time-capped") rather than a run that never ends.
"""

from dataclasses import dataclass, replace

# IdPs provision one user per request; 16 in flight is what the issue asks for POST /Users.
CREATE_CONCURRENCY = 16
TOKEN_CONCURRENCY = 16
# Deprovisioning (DELETE, PATCH active: false) at the same concurrency as provisioning.
DEPROVISION_CONCURRENCY = 16
BATCH = 100  # members added per PATCH
FILTER_CHECKPOINT = 10_000  # a filter row is measured here too, when the run goes past it
GROUP_SIZE = 10_000
LIMITED_SEATS = 50_000  # the seat limit of the second org, which the limited-org row fills
# The limited org's creates alternate with the unlimited org's in this many rounds.
LIMITED_ROUNDS = 5


@dataclass(frozen=True)
class Plan:
    users: int
    filter_requests: int
    list_requests: int
    removes: int
    group_gets: int
    full_group_gets: int
    tokens: int
    deprovisions: int  # users created for, then deleted (and as many deactivated)
    limited_creates: int  # POST /Users into the org with a seat limit
    create_seconds: float  # for all creates on one server
    step_seconds: float  # for each other step
    feed: bool = True  # a consumer follows seatgate's event feed during the creates

    @property
    def checkpoints(self) -> tuple[int, ...]:
        """User counts at which GET ?filter=userName eq is measured."""
        earlier = (FILTER_CHECKPOINT,) if FILTER_CHECKPOINT < self.users else ()
        return (*earlier, self.users)

    @property
    def group_size(self) -> int:
        return min(GROUP_SIZE, self.users)

    @property
    def quick(self) -> bool:
        return self.users < FILTER_CHECKPOINT


FULL = Plan(
    users=100_000,
    filter_requests=500,
    list_requests=100,
    removes=200,
    group_gets=200,
    full_group_gets=20,
    tokens=2_000,
    deprovisions=2_000,
    limited_creates=10_000,
    create_seconds=150,
    step_seconds=30,
)

QUICK = Plan(
    users=1_000,
    filter_requests=200,
    list_requests=50,
    removes=50,
    group_gets=50,
    full_group_gets=10,
    tokens=300,
    deprovisions=500,
    limited_creates=1_000,
    create_seconds=30,
    step_seconds=6,
)


def plan_for(
    *, quick: bool, users: int | None, create_seconds: float | None, feed: bool = True
) -> Plan:
    base = QUICK if quick else FULL
    return replace(
        base,
        users=base.users if users is None else users,
        create_seconds=base.create_seconds if create_seconds is None else create_seconds,
        feed=feed,
    )
