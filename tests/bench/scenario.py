"""One server, start to finish: start it, run every step it can answer in order, read its memory.

Order: creates up to each filter checkpoint with the filter measured there, one consumer
following seatgate's event feed alongside each leg of creates (feed.py); creates into a second
org that has a seat limit; the list page; the group (created, filled by PATCH in batches, one
member removed at a time, read without and with its members); token issuance; deprovisioning
(DELETE, then PATCH active: false, each over users created for it and only for it). A step the
server cannot do is n/a; a step that fails, or whose set-up failed, is an error row. Nothing one
server does stops the others from being measured.
"""

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiohttp

from tests.bench import load, steps, targets
from tests.bench.feed import FeedFollower, FeedReading
from tests.bench.load import Result
from tests.bench.plan import (
    BATCH,
    CREATE_CONCURRENCY,
    DEPROVISION_CONCURRENCY,
    LIMITED_ROUNDS,
    LIMITED_SEATS,
    Plan,
)
from tests.bench.servers import ServerProcess
from tests.bench.targets import Session

log = logging.getLogger("tests.bench")
Able = Callable[[str], bool]

# The capability each row needs (targets.ABILITIES says which server has which).
NEEDS = {
    "create": "users",
    "limited_create": "limited",
    "unlimited_beside": "limited",
    "delete": "deprovision",
    "delete_creates": "deprovision",
    "deactivate": "deprovision",
    "deactivate_creates": "deprovision",
    "feed": "feed",
    "filter": "reads",
    "list": "reads",
    "patch_add": "groups",
    "patch_remove": "groups",
    "group_excluded": "groups",
    "group_full": "groups",
    "tokens": "tokens",
}


def rows(plan: Plan) -> list[tuple[str, str]]:
    """(key, label) of every row, in the order of the table."""
    size = plan.group_size
    return [
        ("create", "POST /Users"),
        ("limited_create", f"POST /Users, an org with a seat limit of {LIMITED_SEATS:,}"),
        ("unlimited_beside", "POST /Users, the unlimited org, alternating with the limited one"),
        ("delete_creates", "POST /Users, the users DELETE then removes"),
        ("delete", "DELETE /Users/{id}"),
        ("deactivate_creates", "POST /Users, the users PATCH then deactivates"),
        ("deactivate", "PATCH /Users/{id} active: false"),
        *([("feed", "GET /directory/v1/events, followed during POST /Users")] if plan.feed else []),
        *[(f"filter@{n}", f"GET /Users?filter=userName eq, {n:,} users") for n in plan.checkpoints],
        ("list", "GET /Users, a page of 100"),
        ("patch_add", f"PATCH /Groups: add {BATCH} members, up to {size:,}"),
        ("patch_remove", f"PATCH /Groups: remove 1 of {size:,} members"),
        ("group_excluded", "GET /Groups/{id}?excludedAttributes=members"),
        ("group_full", f"GET /Groups/{{id}} with its ~{size:,} members"),
        ("tokens", "POST /auth/v1/tokens"),
    ]


@dataclass
class TargetRun:
    key: str
    results: dict[str, Result | None] = field(default_factory=dict)  # None: n/a
    # rss_start, rss_after_creates, peak (MB); load_start, load_end (1-minute load average).
    memory: dict[str, float] = field(default_factory=dict)
    # The scale reached: users created, members in the group.
    users: int | None = None
    group: int | None = None
    feed: FeedReading | None = None
    error: str | None = None


async def measure(key: str, workdir: Path, plan: Plan) -> TargetRun:
    run = TargetRun(key)
    started = time.monotonic()
    try:
        async with targets.launch(key, workdir) as (server, session):
            await _measure(server, session, plan, run)
    except Exception as exc:  # the whole server failed; its rows say why
        log.exception("%s failed", key)
        run.error = f"{type(exc).__name__}: {exc}"[:300]
    for row, _ in rows(plan):
        if row not in run.results:
            able = NEEDS[row.split("@")[0]] in targets.ABILITIES[key]
            run.results[row] = load.failed(run.error or "not measured") if able else None
    log.info("%s done in %.0fs", targets.LABELS[key], time.monotonic() - started)
    return run


async def _measure(server: ServerProcess, s: Session, plan: Plan, run: TargetRun) -> None:
    def able(row: str) -> bool:
        need = NEEDS[row.split("@")[0]]
        if need not in s.abilities:
            run.results[row] = None
            return False
        if need in s.broken:
            run.results[row] = load.failed(s.broken[need])
            return False
        return True

    connector = aiohttp.TCPConnector(limit=CREATE_CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(server.base_url, connector=connector, timeout=timeout) as http:
        run.memory["rss_start"] = server.memory_mb().get("VmRSS", 0.0)
        run.memory["load_start"] = _load_average()
        users = steps.Users(plan.users)
        if able("create"):
            async with _following(server, s, plan, able) as follower:
                await _create_and_filter(http, s, users, plan, run, able, follower)
            run.memory["rss_after_creates"] = server.memory_mb().get("VmRSS", 0.0)
        if able("limited_create"):
            await _limited_creates(http, s, plan, run)
        if able("list"):
            log.info("%s: list pages", s.key)
            run.results["list"] = await steps.list_page(http, s, users, plan)
        await _groups(http, s, users, plan, run, able)
        if able("tokens"):
            log.info("%s: tokens", s.key)
            run.results["tokens"] = await steps.issue_tokens(http, s, users, plan)
        await _deprovision(http, s, plan, run, able)
        run.memory["peak"] = server.memory_mb().get("VmHWM", 0.0)
        run.memory["load_end"] = _load_average()


async def _create_and_filter(
    http: aiohttp.ClientSession,
    s: Session,
    users: steps.Users,
    plan: Plan,
    run: TargetRun,
    able: Able,
    follower: FeedFollower | None,
) -> None:
    deadline = time.monotonic() + plan.create_seconds
    created: Result | None = None
    legs: list[str] = []
    for checkpoint in plan.checkpoints:
        remaining = deadline - time.monotonic()
        if remaining > 0 and users.attempted < checkpoint:
            log.info("%s: creating users %d..%d", s.key, users.attempted, checkpoint)
            first = users.attempted
            following: AbstractAsyncContextManager[None] = (
                follower.alongside(lambda: len(users.created())) if follower else nullcontext()
            )
            async with following:
                leg = await steps.create_users(http, s, users, checkpoint, remaining)
            legs.append(f"{first:,}-{users.attempted:,}: {leg.throughput or 0:,.0f}/s")
            if created is None:
                created = leg
            else:
                created.merge(leg)
        if able(f"filter@{checkpoint}"):
            result = await steps.filter_by_user_name(http, s, users, plan)
            if len(users.created()) < checkpoint:
                result.note = f"at {len(users.created()):,} users only"
            run.results[f"filter@{checkpoint}"] = result
    if created is None:
        run.results["create"] = load.failed("no creates ran")
        return
    created.planned = plan.users
    if len(legs) > 1:
        created.note = "by leg " + ", ".join(legs)
    run.results["create"] = created
    run.users = len(users.created())
    if follower is not None:
        follower.check([str(users.ids[i]) for i in users.created()])
        run.feed = follower.reading
        run.results["feed"] = follower.reading.as_result()


@asynccontextmanager
async def _following(
    server: ServerProcess, s: Session, plan: Plan, able: Able
) -> AsyncIterator[FeedFollower | None]:
    """A consumer of the server's event feed, or None where there is none to follow."""
    if not plan.feed or not able("feed") or s.product_headers is None:
        yield None
        return
    async with FeedFollower(server.base_url, s.product_headers).connected() as follower:
        yield follower


async def _groups(
    http: aiohttp.ClientSession,
    s: Session,
    users: steps.Users,
    plan: Plan,
    run: TargetRun,
    able: Able,
) -> None:
    if not able("patch_add"):
        for row in ("patch_remove", "group_excluded", "group_full"):
            able(row)
        return
    log.info("%s: groups", s.key)
    group_id, problem = await steps.create_group(http, s)
    if group_id is None:
        for row in ("patch_add", "patch_remove", "group_excluded", "group_full"):
            run.results[row] = load.failed(problem)
        return
    ids = [users.ids[i] for i in users.created()][: plan.group_size]
    members = [member for member in ids if member]
    added = await steps.add_members(http, s, group_id, members, plan)
    run.results["patch_add"] = added
    # Batches go one at a time in order, so the first `ok` went in; after a failure, which
    # members the group holds is not known for sure.
    in_group = members[: added.ok * BATCH] if added.failures == 0 else []
    if not in_group:
        for row in ("patch_remove", "group_excluded", "group_full"):
            run.results[row] = load.failed("the group could not be filled")
        return
    removed = await steps.remove_member(http, s, group_id, in_group, plan)
    run.results["patch_remove"] = removed
    run.results["group_excluded"] = await steps.get_group(http, s, group_id, plan, members=None)
    left = len(in_group) - removed.ok
    run.results["group_full"] = await steps.get_group(http, s, group_id, plan, members=left)
    run.group = len(in_group)
    if len(in_group) < plan.group_size:
        for row in ("patch_add", "patch_remove", "group_excluded", "group_full"):
            result = run.results[row]
            if result is not None:
                result.note = f"a group of {len(in_group):,} members only"


async def _limited_creates(
    http: aiohttp.ClientSession, s: Session, plan: Plan, run: TargetRun
) -> None:
    """POST /Users into the second org, whose seat limit the creates stay below, in rounds
    that alternate with as many creates into the unlimited org (which goes first flips every
    round). Both run on the same database at the same size, so their ratio is what the seat
    limit costs; the main creates' figure is an average over a database that grew from empty,
    and every insert costs more in a bigger one."""
    log.info(
        "%s: %d creates into the limited org, alternating with as many into the unlimited one",
        s.key,
        plan.limited_creates,
    )
    limited = replace(s, scim_headers=s.limited_scim_headers or {})
    into_limited = steps.Users(plan.limited_creates)
    # The unlimited org's users from past those the main creates and the deprovisioning steps
    # use (_deprovision), so that none of their userNames is taken.
    first = plan.users + 2 * plan.deprovisions
    into_unlimited = steps.Users(first + plan.limited_creates)
    into_unlimited.attempted = first
    sides = [
        ("limited_create", limited, into_limited, 0),
        ("unlimited_beside", s, into_unlimited, first),
    ]
    chunk = -(-plan.limited_creates // LIMITED_ROUNDS)
    deadline = time.monotonic() + plan.create_seconds
    for round_ in range(1, LIMITED_ROUNDS + 1):
        for row, session, users, start in sides if round_ % 2 else sides[::-1]:
            if time.monotonic() >= deadline:
                break
            upto = start + min(round_ * chunk, plan.limited_creates)
            leg = await steps.create_users(http, session, users, upto, deadline - time.monotonic())
            so_far = run.results.get(row)
            if so_far is None:
                run.results[row] = leg
            else:
                so_far.merge(leg)
    for row, _, _, _ in sides:
        if (result := run.results.get(row)) is not None:
            result.planned = plan.limited_creates
    if (limited_result := run.results.get("limited_create")) is not None:
        limited_result.note = f"seat_limit {LIMITED_SEATS:,}"


async def _deprovision(
    http: aiohttp.ClientSession, s: Session, plan: Plan, run: TargetRun, able: Able
) -> None:
    """DELETE, then PATCH active: false, each over users created for it just before (after
    every other step, so that they change no other row). Those creates are measured too: a
    step's throughput is compared with theirs, taken on the same database, where the main
    creates' average is over a database growing from empty."""
    first = plan.users
    for row, measure in (("delete", steps.delete_users), ("deactivate", steps.deactivate_users)):
        if not able(row):
            continue
        log.info("%s: %s of %d users", s.key, row, plan.deprovisions)
        ids, creates = await steps.users_for(http, s, first, plan.deprovisions, plan.create_seconds)
        run.results[f"{row}_creates"] = creates
        first += plan.deprovisions
        if not ids:
            run.results[row] = load.failed(
                "none of the users for it could be created", DEPROVISION_CONCURRENCY
            )
            continue
        result = await measure(http, s, ids, plan)
        if len(ids) < plan.deprovisions:
            result.note = f"{len(ids):,} users only"
        run.results[row] = result


def _load_average() -> float:
    """The machine's 1-minute load average: above the CPU count, other work shared the CPUs."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")
