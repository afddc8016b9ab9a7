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
