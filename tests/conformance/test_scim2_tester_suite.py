"""How scim2-tester's CheckResults become rows: every status is mapped, skips stay skips.

The read-only-extension rule is tested against models described the way /Schemas describes them.
"""

from typing import Annotated, Any

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import (
    URN,
    EnterpriseUser,
    Extension,
    Mutability,
    MutabilityException,
    Resource,
    ScimProvider,
    User,
)
from scim2_tester import CheckResult, Status

from conformance.report import Outcome
from conformance.scim2_tester_suite import (
    _OUTCOMES,
    check_name,
    outcomes,
    read_only_extensions,
)


def test_every_scim2_tester_status_has_an_outcome() -> None:
    assert set(_OUTCOMES) == set(Status)


def test_a_skipped_check_is_reported_as_skipped_not_passed() -> None:
    result = CheckResult(
        status=Status.SKIPPED,
        title="check_add_attribute",
        reason="PATCH operations not supported by server",
        resource_type="User",
    )
    [row] = outcomes([result])
    assert row.outcome is Outcome.SKIPPED
    assert row.detail == "PATCH operations not supported by server"


def test_errors_fail_and_carry_their_reason_and_data() -> None:
    result = CheckResult(
        status=Status.ERROR,
        title="check_replace_attribute",
        reason="Attribute was not replaced",
        data={"urn": "name.givenName", "expected": "a", "actual": "b"},
        resource_type="User",
    )
    [row] = outcomes([result])
    assert row.outcome is Outcome.FAILED
    assert row.name == "[User] check_replace_attribute name.givenName"
    assert "Attribute was not replaced" in row.detail and "'actual': 'b'" in row.detail


def test_critical_fails_and_rfc_compliant_statuses_pass() -> None:
    statuses = [Status.CRITICAL, Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE]
    rows = outcomes([CheckResult(status=s, title="t") for s in statuses])
    assert [r.outcome for r in rows] == [Outcome.FAILED] + [Outcome.PASSED] * 3


def test_a_deviation_passes_but_says_so() -> None:
    [row] = outcomes([CheckResult(status=Status.DEVIATION, title="t", reason="no ETag")])
    assert row.outcome is Outcome.PASSED
    assert row.detail == "deviation from a SHOULD: no ETag"


def test_a_check_without_resource_type_or_path_is_named_by_its_title() -> None:
    assert check_name(CheckResult(status=Status.SUCCESS, title="random_url")) == "random_url"


class SeatLike(Extension):
    """An extension the server computes: every attribute readOnly, like seatgate's seat one."""

    __schema__ = URN("urn:example:params:scim:schemas:extension:seat:2.0:User")

    seat_status: Annotated[str | None, Mutability.read_only] = None


SEAT_URN = "urn:example:params:scim:schemas:extension:seat:2.0:User"


def described(*models: type[Resource[Any]] | type[Extension]) -> SyncSCIMClient:
    client = SyncSCIMClient(httpx2.Client(base_url="http://gateway.test/scim/v2"))
    client.provider = ScimProvider(models=models, resource_types=(), config=None)
    return client


def test_read_only_extensions_are_found_in_what_the_server_described() -> None:
    assert read_only_extensions(described(User, EnterpriseUser, SeatLike)) == {SEAT_URN}


def test_patching_a_read_only_extension_is_skipped_when_the_server_kept_its_values() -> None:
    result = CheckResult(
        status=Status.ERROR,
        title="check_add_attribute",
        reason="PATCH modify() returned unexpected value",
        data={"urn": SEAT_URN, "expected": "{}", "modify_actual": "{'seatStatus': 'active'}"},
        resource_type="User",
    )
    [row] = outcomes([result], frozenset({SEAT_URN}))
    assert row.outcome is Outcome.SKIPPED
    assert "readOnly" in row.detail


def test_a_mutability_refusal_is_skipped_but_any_other_error_still_fails() -> None:
    def add(error: Exception) -> CheckResult:
        return CheckResult(
            status=Status.ERROR,
            title="check_add_attribute",
            reason=f"Failed to add attribute: {error}",
            data={"urn": SEAT_URN, "error": error},
        )

    refused, broken = outcomes(
        [add(MutabilityException()), add(RuntimeError("500 Internal Server Error"))],
        frozenset({SEAT_URN}),
    )
    assert refused.outcome is Outcome.SKIPPED
    assert broken.outcome is Outcome.FAILED


def test_patch_checks_on_writable_attributes_keep_their_verdict() -> None:
    result = CheckResult(
        status=Status.ERROR, title="check_add_attribute", data={"urn": "title"}, reason="lost"
    )
    [row] = outcomes([result], frozenset({SEAT_URN}))
    assert row.outcome is Outcome.FAILED


def test_a_checker_with_several_results_gets_numbered_rows() -> None:
    rows = outcomes([CheckResult(status=Status.SUCCESS, title="schemas_endpoint_methods")] * 2)
    assert [row.name for row in rows] == [
        "schemas_endpoint_methods #1",
        "schemas_endpoint_methods #2",
    ]
