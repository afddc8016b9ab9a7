"""`python -m conformance`: a table per suite, then the closing count line; 0 only if green."""

import pytest

from conformance import cli
from conformance.report import CheckOutcome, Outcome


def fake_suite(*results: Outcome) -> cli.SuiteRunner:
    return lambda http: [CheckOutcome("fake", f"check {i}", r) for i, r in enumerate(results)]


def test_the_last_line_counts_all_suites_and_the_exit_status_follows_failures(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        cli,
        "SUITES",
        {
            "one": fake_suite(Outcome.PASSED, Outcome.SKIPPED),
            "two": fake_suite(Outcome.PASSED, Outcome.FAILED),
        },
    )
    status = cli.main(["--base-url", "http://127.0.0.1:9/scim/v2", "--token", "t"])
    output = capsys.readouterr().out.strip().splitlines()
    assert status == 1
    assert output[-1] == "2 passed, 1 failed, 1 skipped"
    assert "== one ==" in output and "== two ==" in output


def test_one_suite_can_be_chosen(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        cli, "SUITES", {"one": fake_suite(Outcome.PASSED), "two": fake_suite(Outcome.FAILED)}
    )
    status = cli.main(
        ["--base-url", "http://127.0.0.1:9/scim/v2", "--token", "t", "--suite", "one"]
    )
    output = capsys.readouterr().out
    assert status == 0
    assert output.strip().splitlines()[-1] == "1 passed, 0 failed"
    assert "== two ==" not in output


def test_a_token_is_required(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SEATGATE_SCIM_TOKEN", raising=False)
    assert cli.main(["--base-url", "http://127.0.0.1:9/scim/v2"]) == 2
    assert "--token" in capsys.readouterr().err
