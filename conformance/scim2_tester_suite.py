"""Runs the third-party scim2-tester suite (python-scim, PyPI) over HTTP and counts its results.

scim2-tester drives a scim2-client `SyncSCIMClient` (httpx2 engine). The client is given no
resource models: `check_server` reads ServiceProviderConfig, ResourceTypes and Schemas from the
server itself and builds the models it tests from what the server publishes. Every check it
runs becomes one row. Its statuses map as follows: SUCCESS, COMPLIANT and ACCEPTABLE pass;
DEVIATION passes too (it is within the RFC's bounds) but says so in its detail; ERROR and
CRITICAL fail; SKIPPED (a feature the server says it does not serve, or nothing to test) is
reported as skipped.

One correction, decided from the server's own /Schemas: scim2-tester 0.5.2 PATCHes (add,
replace, remove) the root of every schema extension, even one whose every attribute the server
publishes as readOnly. Such an extension holds server-computed data (seatgate's seat extension:
`seatStatus`, `overLimitSince`) that no client can write (RFC 7643 §2.2, `readOnly`), so those
checks are reported as skipped, with the reason, instead of as failures or passes, when the
server accepted the request or refused it with `mutability` (RFC 7644 §3.5.2); any other error
stays a failure.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Any

import httpx2
from scim2_client import BaseSyncSCIMClient
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Extension, Mutability, MutabilityException
from scim2_tester import CheckResult, Status, check_server

from conformance.report import CheckOutcome, Outcome

SUITE = "scim2-tester"

_OUTCOMES = {
    Status.SUCCESS: Outcome.PASSED,
    Status.COMPLIANT: Outcome.PASSED,
    Status.ACCEPTABLE: Outcome.PASSED,
    Status.DEVIATION: Outcome.PASSED,
    Status.ERROR: Outcome.FAILED,
    Status.CRITICAL: Outcome.FAILED,
    Status.SKIPPED: Outcome.SKIPPED,
}


def run(http: httpx2.Client) -> list[CheckOutcome]:
    """Run every scim2-tester check against the server behind `http`."""
    client = SyncSCIMClient(http)
    try:
        results = check_server(client)
    except Exception as error:  # scim2-tester is meant to catch everything; report it if not
        detail = f"scim2-tester stopped: {type(error).__name__}: {error}"
        return [CheckOutcome(SUITE, "check_server", Outcome.FAILED, detail)]
    return outcomes(results, read_only_extensions(client))


def outcomes(
    results: Iterable[CheckResult], read_only: frozenset[str] = frozenset()
) -> list[CheckOutcome]:
    """One row per result; PATCH checks aimed at a `read_only` extension URN are skipped.

    A checker that yields several results (one per HTTP method, say) gets numbered rows.
    """
    results = list(results)
    names = [check_name(result) for result in results]
    totals = Counter(names)
    seen: Counter[str] = Counter()
    rows = []
    for result, name in zip(results, names, strict=True):
        if totals[name] > 1:
            seen[name] += 1
            name = f"{name} #{seen[name]}"
        if _writes_read_only_extension(result, read_only):
            detail = (
                "not applicable: the server publishes every attribute of this extension as "
                f"readOnly (RFC 7643 §2.2); scim2-tester said: {result.reason}"
            )
            rows.append(CheckOutcome(SUITE, name, Outcome.SKIPPED, detail))
        else:
            rows.append(CheckOutcome(SUITE, name, _OUTCOMES[result.status], _detail(result)))
    return rows


_PATCH_CHECKS = {"check_add_attribute", "check_replace_attribute", "check_remove_attribute"}


def _writes_read_only_extension(result: CheckResult, read_only: frozenset[str]) -> bool:
    """A PATCH check on a read-only extension that the server accepted or refused as such.

    Any other refusal (a 500, a 400 that is not `mutability`) keeps scim2-tester's verdict.
    """
    if result.title not in _PATCH_CHECKS or _target(result) not in read_only:
        return False
    error = result.data.get("error") if isinstance(result.data, dict) else None
    return error is None or isinstance(error, MutabilityException)


def read_only_extensions(client: BaseSyncSCIMClient) -> frozenset[str]:
    """URNs of the extensions the server described whose every attribute is readOnly."""
    found = set()
    for model in client.provider.models:
        if not issubclass(model, Extension):
            continue
        fields = [name for name in model.model_fields if name != "schemas"]
        if fields and all(
            model.get_field_annotation(name, Mutability) is Mutability.read_only for name in fields
        ):
            found.add(model.__schema__)
    return frozenset(found)


def check_name(result: CheckResult) -> str:
    """The checker's name, with the resource type and attribute path when it has them."""
    parts = [result.title or "unnamed check"]
    if result.resource_type:
        parts.insert(0, f"[{result.resource_type}]")
    urn = _target(result)
    if urn:
        parts.append(str(urn))
    return " ".join(parts)


def _target(result: CheckResult) -> str | None:
    urn = result.data.get("urn") if isinstance(result.data, dict) else None
    return str(urn) if urn else None


def _detail(result: CheckResult) -> str:
    reason = result.reason or ""
    if result.status is Status.DEVIATION:
        reason = f"deviation from a SHOULD: {reason}"
    if _OUTCOMES[result.status] is Outcome.FAILED and result.data is not None:
        reason = f"{reason} | data: {_short(result.data)}"
    return reason


def _short(data: Any, limit: int = 400) -> str:
    text = repr(data)
    return text if len(text) <= limit else text[: limit - 3] + "..."
