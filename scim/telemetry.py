"""Per SCIM connection (token) telemetry, counted in memory and flushed periodically.

A request costs a few dictionary updates in this process (no database write): the connection's
request count and last request time, its errors by status class and scimType, the IdP quirks
the core reported normalizing (`ScimResponse.normalized`, scim/normalizations.py), and the
identity provider it looks like. Every `flush_seconds`, and once at shutdown, what was counted
is handed to seats.connection_telemetry.add in one short transaction, which adds it to the
stored totals; so the admin API and the console show counts up to `flush_seconds` old. A failed
flush keeps the counts for the next one; counts of a process killed without a shutdown are lost.

The profile is decided by the strongest signal seen (strongest first): a User-Agent naming
Okta or Microsoft/Azure; Entra's `aadOptscim062020` flag on the tenant URL; a quirk only one
IdP is known to send (scim/normalizations.py QUIRK_PROFILES). Otherwise it is `other`.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from scim.normalizations import QUIRK_PROFILES, Quirk
from seats import connection_telemetry
from seats.connection_telemetry import NORMALIZATION, SCIM_TYPE, STATUS_CLASS, Increment, Profile
from seats.storage.database import Database

log = logging.getLogger("seatgate.scim")

ENTRA_FLAG = "aadOptscim062020"
USER_AGENT, QUERY_FLAG, REQUEST_SHAPE, NOTHING = 3, 2, 1, 0
_USER_AGENT_CACHE = 1000


def profile_of_user_agent(user_agent: str) -> str:
    """okta, entra or other: a substring test, cheap enough for every request."""
    if "Okta" in user_agent:
        return "okta"
    if "Azure" in user_agent or "Microsoft" in user_agent:
        return "entra"
    return "other"


def _user_agent_profile(user_agent: str) -> Profile:
    name = profile_of_user_agent(user_agent)
    if name == "other":
        shown = user_agent or "(none)"
        return Profile("other", f"User-Agent {shown} names no known IdP", NOTHING)
    return Profile(name, f"User-Agent: {user_agent}", USER_AGENT)


_FLAG_PROFILE = Profile("entra", f"query flag {ENTRA_FLAG}", QUERY_FLAG)
_SHAPE_PROFILES = {
    quirk: Profile(name, f"request shape: {quirk}", REQUEST_SHAPE)
    for quirk, name in QUIRK_PROFILES.items()
}


@dataclass
class _Counted:
    org_id: str
    profile: Profile
    last_request_at: float = 0.0
    requests: int = 0
    errors: dict[tuple[str, str], int] = field(default_factory=dict)
    normalized: dict[Quirk, int] = field(default_factory=dict)


class ConnectionTelemetry:
    def __init__(self, database: Database, *, flush_seconds: float = 10.0) -> None:
        self._database = database
        self._flush_seconds = flush_seconds
        self._counted: dict[str, _Counted] = {}
        self._agents: dict[str, Profile] = {}

    def observe(
        self,
        token_id: str,
        org_id: str,
        *,
        user_agent: str,
        query_string: str,
        status: int,
        scim_type: str | None,
        normalized: Mapping[Quirk, int],
    ) -> None:
        """Count one answered request of a connection (call it on the event loop). Plain
        dictionary updates and cached profiles: this runs on every SCIM request."""
        profile = self._agents.get(user_agent)
        if profile is None:
            if len(self._agents) >= _USER_AGENT_CACHE:
                self._agents.clear()
            profile = self._agents[user_agent] = _user_agent_profile(user_agent)
        if profile.strength < USER_AGENT:
            if ENTRA_FLAG in query_string:
                profile = _FLAG_PROFILE
            else:
                for quirk in normalized:
                    shape = _SHAPE_PROFILES.get(quirk)
                    if shape is not None:
                        profile = shape
                        break
        counted = self._counted.get(token_id)
        if counted is None:
            counted = self._counted[token_id] = _Counted(org_id, profile)
        elif profile is not counted.profile and profile.strength >= counted.profile.strength:
            counted.profile = profile
        counted.requests += 1
        counted.last_request_at = time.time()
        if status >= 400:
            _add(counted.errors, (STATUS_CLASS, f"{status // 100}xx"), 1)
            if scim_type:
                _add(counted.errors, (SCIM_TYPE, scim_type), 1)
        for quirk, times in normalized.items():
            _add(counted.normalized, quirk, times)

    async def flush(self) -> None:
        """Add what was counted since the last flush to the stored totals."""
        if not self._counted:
            return
        taken, self._counted = self._counted, {}
        increments = [_increment(token_id, counted) for token_id, counted in taken.items()]
        try:
            async with self._database.transaction() as conn:
                await connection_telemetry.add(conn, increments)
        except Exception:
            log.warning("could not flush SCIM connection telemetry; kept for the next flush")
            self._keep(taken)

    def _keep(self, taken: dict[str, _Counted]) -> None:
        for token_id, old in taken.items():
            new = self._counted.get(token_id)
            if new is None:
                self._counted[token_id] = old
                continue
            new.requests += old.requests
            for key, count in old.errors.items():
                _add(new.errors, key, count)
            for quirk, count in old.normalized.items():
                _add(new.normalized, quirk, count)
            if old.profile.strength > new.profile.strength:
                new.profile = old.profile

    async def lifecycle(self, _app: web.Application) -> AsyncIterator[None]:
        """A cleanup context: flushes every `flush_seconds`, and once more at shutdown."""
        task = asyncio.get_running_loop().create_task(self._flush_every())
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await self.flush()

    async def _flush_every(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            await self.flush()


def _increment(token_id: str, counted: _Counted) -> Increment:
    return Increment(
        token_id=token_id,
        org_id=counted.org_id,
        profile=counted.profile,
        last_request_at=datetime.fromtimestamp(counted.last_request_at, UTC),
        requests=counted.requests,
        counts={
            **counted.errors,
            **{(NORMALIZATION, str(quirk)): n for quirk, n in counted.normalized.items()},
        },
    )


def _add(counts: dict[Any, int], key: Any, times: int) -> None:
    counts[key] = counts.get(key, 0) + times
