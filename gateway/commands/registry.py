"""Registering the operator's commands of `seatgate`: orgs (list, create, show, export,
import), SCIM tokens, product clients, portal links and event endpoints. Each one calls the use
case the admin API's handler calls (seats/, auth/), so the command line and the API cannot
disagree.

Like gateway/cli.py, registering them imports only argparse-level modules; a command imports
the gateway, SQLAlchemy and the rest inside its own function (tests/gateway/test_cli_imports.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from gateway.commands import credentials, event_endpoints, orgs


def add_operator_commands(
    sub: Any, database_option: Callable[[argparse.ArgumentParser], None]
) -> None:
    orgs.add_commands(sub, database_option)
    credentials.add_commands(sub, database_option)
    event_endpoints.add_commands(sub, database_option)
