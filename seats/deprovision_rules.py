"""The mass-deprovisioning guard's rule, as a function of values: may one more deactivation or
deletion go through, or is the org losing members faster than an identity provider should?

The anchor is Microsoft Entra ID's "accidental deletions" threshold: a scoping filter edited
by mistake makes the IdP deprovision most of an org in one sync cycle. Within a window, an org
may lose `share` of its members or `count` of them, whichever is smaller, and never fewer than
`MIN_ALLOWED` (a ten-person org losing two people in an hour is no accident). Past that, the
guard holds further deprovisions for an admin (seats/deprovision_guard.py).
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from seats.model import Org

# However small the org, this many deprovisions within a window always go through.
MIN_ALLOWED = 10
# Counts the guard would cap beyond this are not capped (counting_caps).
COUNT_NO_FURTHER_THAN = 2**31 - 1


@dataclass(frozen=True)
class GuardLimits:
    """How many deprovisions an org may have within `window`: `share` (0 to 1) of its members
    or `count`, whichever is smaller."""

    share: float = 0.2
    count: int = 500
    window: timedelta = timedelta(hours=1)

    def for_org(self, org: Org) -> "GuardLimits":
        """These limits with the org's own overrides (PATCH /admin/v1/orgs/{id})."""
        window = org.deprovision_guard_window_seconds
        return GuardLimits(
            share=self.share
            if org.deprovision_guard_share is None
            else org.deprovision_guard_share,
            count=self.count
            if org.deprovision_guard_count is None
            else org.deprovision_guard_count,
            window=self.window if window is None else timedelta(seconds=window),
        )


def allowed_deprovisions(limits: GuardLimits, members: int) -> int:
    """How many of `members` may be deprovisioned within one window."""
    return min(limits.count, max(MIN_ALLOWED, math.floor(limits.share * members)))


def counting_caps(limits: GuardLimits) -> tuple[int | None, int | None]:
    """How far the guard need count deprovisions in the window and members still active
    (None: all of them) for `must_hold` to answer as it would with the full counts.

    At `count` deprovisions the next one is held whatever the org's size (`allowed` is at most
    `count`). Members matter only until `share` of them reaches `count`: from there on `count`
    is the smaller limit (one member more covers the rounding of the float); with a share of 1
    that is from the first, the member being deprovisioned, still counted among the remaining.
    A cap past any org's size saves nothing and need not fit a LIMIT: None.
    """
    if limits.share >= 1:
        members = 1
    elif limits.share <= 0:
        members = 0
    else:
        members = math.ceil(limits.count / limits.share) + 1
    return _cap(limits.count), _cap(members)


def never_held_below(limits: GuardLimits) -> int:
    """Fewer deprovisions than this within a window are never held, whatever the org's size:
    where a bound on the count is below it, the guard need not count (deprovision_guard.py).

    `must_hold` is nondecreasing in `deprovisioned` (its left side grows by 1 per deprovision,
    the allowance by at most `share` <= 1 of it) and nonincreasing in `remaining`, which is at
    least 1: the member being deprovisioned is still counted. With a share of 1 or more the
    allowance is then at least `min(count, deprovisioned + 1)`, so a deprovision is held only
    once `count` went before it in the window; with a smaller share, at least the allowance
    every org has, `min(count, MIN_ALLOWED)`.
    """
    if limits.share >= 1:
        return limits.count
    return min(limits.count, MIN_ALLOWED)


def _cap(value: int) -> int | None:
    return value if value <= COUNT_NO_FURTHER_THAN else None


def must_hold(limits: GuardLimits, *, deprovisioned: int, remaining: int, hold_open: bool) -> bool:
    """Whether the next deprovision is held.

    `deprovisioned`: members deactivated or deleted within the window; `remaining`: members
    still active (held ones included). The share is of the members the window began with, so
    that it does not shrink as they go. While a hold is open every further one joins it: the
    admin decides about the batch as a whole.
    """
    if hold_open:
        return True
    return deprovisioned + 1 > allowed_deprovisions(limits, remaining + deprovisioned)
