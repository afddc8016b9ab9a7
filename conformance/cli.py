"""`python -m conformance`: runs the suites against a live gateway and prints their tables.

    python -m conformance --base-url http://127.0.0.1:8000/scim/v2 --token TOKEN [--suite okta]

Each suite prints a table; the last line is `N passed, M failed` (`, K skipped` when something
was skipped). The exit status is 0 only when no check failed, 2 on bad arguments.
"""

import argparse
import os
import sys
from collections.abc import Callable, Sequence

import httpx2

from conformance import report, scim2_tester_suite
from conformance.idp_sequences.entra import entra
from conformance.idp_sequences.okta import okta
from conformance.report import CheckOutcome
from conformance.session import http_client

SuiteRunner = Callable[[httpx2.Client], list[CheckOutcome]]

SUITES: dict[str, SuiteRunner] = {
    scim2_tester_suite.SUITE: scim2_tester_suite.run,
    okta.suite: okta.run,
    entra.suite: entra.run,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    token = args.token or os.environ.get("SEATGATE_SCIM_TOKEN")
    if not token:
        print("conformance: --token (or SEATGATE_SCIM_TOKEN) is required", file=sys.stderr)
        return 2
    names = list(SUITES) if args.suite == "all" else [args.suite]
    everything: list[CheckOutcome] = []
    for name in names:
        with http_client(args.base_url, token, verbose=args.verbose) as http:
            outcomes = SUITES[name](http)
        print(report.render_table(name, outcomes, verbose=args.verbose), end="\n\n", flush=True)
        everything.extend(outcomes)
    print(report.count(everything).line(), flush=True)
    return report.exit_status(everything)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conformance",
        description="Run SCIM conformance suites (scim2-tester, Okta, Entra) against a gateway.",
    )
    parser.add_argument(
        "--base-url",
        required=True,
        help="SCIM base URL, e.g. http://127.0.0.1:8000/scim/v2",
    )
    parser.add_argument(
        "--token", help="SCIM bearer token of an organization (env SEATGATE_SCIM_TOKEN)"
    )
    parser.add_argument("--suite", choices=["all", *SUITES], default="all")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="log every request and response to stderr; show details of passed checks",
    )
    return parser
