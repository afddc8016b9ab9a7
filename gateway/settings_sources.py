"""Where the settings come from when a command starts: CLI flags, then the environment, then an
env file (`seatgate --env-file PATH`), then the defaults of gateway.config.Settings.

pydantic-settings' own sources read the environment and the env file; they are asked one by one
rather than merged inside the model, so that `seatgate config` can say where each value came
from and a refusal names the variable (or flag) the operator has to fix.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError
from pydantic_settings import DotEnvSettingsSource, EnvSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from gateway.config import ENV_PREFIX, Settings, SettingsError

# The flag of each setting a command line option sets (gateway/cli.py).
CLI_FLAGS = {"host": "--host", "port": "--port", "database_url": "--database-url"}


@dataclass(frozen=True)
class Origin:
    """Where one setting's value came from: `kind` is default, environment, env file or CLI
    flag; `name` the variable or flag that set it (empty for a default)."""

    kind: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.name}".strip()


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    origins: Mapping[str, Origin]
    # SEATGATE_* variables that name no setting (a typo is otherwise silently ignored).
    unknown: tuple[str, ...]


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of os.environ."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty)


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def load_settings(
    environ: Mapping[str, str] | None = None,
    cli: Mapping[str, Any] | None = None,
    env_file: Path | None = None,
) -> LoadedSettings:
    """The effective settings and their origins; SettingsError names the first bad value's
    variable or flag."""
    environ = os.environ if environ is None else environ
    layers: list[tuple[str, dict[str, Any]]] = []
    if env_file is not None:
        if not env_file.is_file():
            raise SettingsError(f"--env-file: {env_file} is not a readable file")
        layers.append(("env file", DotEnvSettingsSource(Settings, env_file=env_file)()))
    layers.append(("environment", _MappingEnvSource(environ)()))
    given_flags = {k: v for k, v in (cli or {}).items() if v is not None}
    layers.append(("CLI flag", given_flags))

    values: dict[str, Any] = {}
    origins: dict[str, Origin] = {name: Origin("default") for name in Settings.model_fields}
    for kind, layer in layers:
        for field, value in layer.items():
            values[field] = value
            flag = CLI_FLAGS.get(field, field)
            origins[field] = Origin(kind, flag if kind == "CLI flag" else env_name(field))
    try:
        settings = Settings(**values)
    except ValidationError as error:
        raise SettingsError(_explain(error, origins)) from None
    unknown_in = dict(environ)
    if env_file is not None:
        unknown_in.update(DotEnvSettingsSource(Settings, env_file=env_file).env_vars)
    return LoadedSettings(settings, origins, _unknown_names(unknown_in))


def _explain(error: ValidationError, origins: Mapping[str, Origin]) -> str:
    """The first problem of `error`, named by the variable or flag that carried the value."""
    problem = error.errors(include_url=False)[0]
    message = problem["msg"].removeprefix("Value error, ")
    if not problem["loc"]:
        return message
    field = str(problem["loc"][0])
    origin = origins.get(field, Origin("default"))
    label = origin.name or env_name(field)
    secret = Settings.model_fields[field].annotation in (SecretStr, SecretStr | None)
    given = problem.get("input")
    if secret or not isinstance(given, str | int | float):
        return f"{label}: {message}"
    return f"{label}: {message}, got {given!r}"


def _unknown_names(environ: Mapping[str, str | None]) -> tuple[str, ...]:
    known = {env_name(field) for field in Settings.model_fields}
    return tuple(
        sorted(
            name
            for name in environ
            if name.upper().startswith(ENV_PREFIX)
            and name.upper() not in known
            and not name.upper().startswith(f"{ENV_PREFIX}TEST_")
        )
    )
