"""The closing line and exit status: skipped checks are never counted as passed."""

from conformance.report import CheckOutcome, Counts, Outcome, count, exit_status, render_table


def outcome(result: Outcome, name: str = "a check", detail: str = "") -> CheckOutcome:
    return CheckOutcome("suite", name, result, detail)


def test_the_closing_line_counts_passed_and_failed() -> None:
    outcomes = [outcome(Outcome.PASSED), outcome(Outcome.PASSED), outcome(Outcome.FAILED)]
    assert count(outcomes).line() == "2 passed, 1 failed"


def test_skipped_checks_are_counted_apart_and_named_only_when_present() -> None:
    outcomes = [outcome(Outcome.PASSED), outcome(Outcome.SKIPPED)]
    assert count(outcomes) == Counts(passed=1, failed=0, skipped=1)
    assert count(outcomes).line() == "1 passed, 0 failed, 1 skipped"


def test_the_exit_status_is_zero_only_when_nothing_failed() -> None:
    assert exit_status([outcome(Outcome.PASSED), outcome(Outcome.SKIPPED)]) == 0
    assert exit_status([outcome(Outcome.PASSED), outcome(Outcome.FAILED)]) == 1
    assert exit_status([]) == 0


def test_the_table_shows_failure_details_but_not_pass_details() -> None:
    table = render_table(
        "okta",
        [
            outcome(Outcome.PASSED, "create user", "created id 1"),
            outcome(Outcome.FAILED, "delete group", "expected HTTP 204,\n got 500"),
        ],
    )
    lines = table.splitlines()
    assert lines[0] == "== okta =="
    assert lines[3].split() == ["create", "user", "passed"]
    assert lines[4].split()[:3] == ["delete", "group", "failed"]
    assert lines[4].endswith("expected HTTP 204, got 500")
    assert lines[-1] == "-- okta: 1 passed, 1 failed"


def test_verbose_tables_show_pass_details_unabridged() -> None:
    long_detail = "x" * 500
    table = render_table("s", [outcome(Outcome.PASSED, "c", long_detail)], verbose=True)
    assert long_detail in table
    short = render_table("s", [outcome(Outcome.FAILED, "c", long_detail)])
    assert long_detail not in short and "..." in short
