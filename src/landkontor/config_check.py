"""Validate the configuration before a command starts anything, in words an operator can act on.

Every problem is one line: the environment variable (and the ``.env`` line when it came from
there), the value as given (masked when the setting is secret), what is expected and an
example — all taken from the field metadata in ``settings.py``, the one home of the rules:

    LANDKONTOR_API_PORT='notaport': must be a port number 1-65535, e.g. 8000

Errors end the command (exit code 2 in the CLI); warnings (risky combinations, unknown
``LANDKONTOR_*`` variables) are shown by `config check`, `doctor` and the commands that start
services. Besides the settings themselves, ``VAR_DIR`` must be a folder this user can read and
write (or create): every service keeps its files there.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import SettingsError

from landkontor.settings import ENV_PREFIX, MASK, Settings, get_settings, mask_url

ENV_FILE = Path(".env")
# LANDKONTOR_* variables that are not settings: the test suite's and docker compose's own.
NOT_SETTINGS = re.compile(rf"^{ENV_PREFIX}(TEST_.*|IMAGE)$")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


@dataclass(frozen=True)
class Problem:
    """One thing wrong or risky in the configuration."""

    variable: str
    message: str
    value: str | None = None  # as given, masked; None when no single value is at fault
    where: str = ""  # ".env line 4" when it came from the .env file

    def line(self) -> str:
        given = "" if self.value is None else f"={self.value!r}"
        where = f" ({self.where})" if self.where else ""
        return f"{self.variable}{given}{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "value": self.value,
            "where": self.where,
            "message": self.message,
            "line": self.line(),
        }


@dataclass
class Report:
    """The result of validating the current environment."""

    settings: Settings | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    exception: ValidationError | None = None  # for --debug; its text holds raw values

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


def check_configuration(env_file: Path = ENV_FILE) -> Report:
    """Read the settings (once per process) and check them and VAR_DIR; never raises."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = [_problem(error, env_file) for error in exc.errors()]
        return Report(None, errors=problems, exception=exc)
    except (SettingsError, OSError) as exc:  # e.g. an unreadable .env file
        reason = f"the settings cannot be read: {type(exc).__name__}: {exc}"
        return Report(None, errors=[Problem(str(env_file), reason)])
    return review(settings, env_file)


def review(settings: Settings, env_file: Path = ENV_FILE) -> Report:
    """Check valid ``settings`` against the machine (VAR_DIR) and for risky combinations."""
    warnings = [
        Problem(w.variable, w.message, where=_source(w.variable, env_file)[1])
        for w in settings.warnings()
    ]
    warnings += unknown_variables(env_file)
    return Report(settings, errors=var_dir_problems(settings, env_file), warnings=warnings)


# --- one line per validation error -----------------------------------------------------------
def _problem(error: Any, env_file: Path) -> Problem:
    name = str(error["loc"][0]) if error["loc"] else ""
    info = Settings.model_fields.get(name)
    if info is None:  # not tied to one field
        return Problem(ENV_PREFIX + "*", error["msg"])
    variable, where = _source(ENV_PREFIX + name.upper(), env_file)
    reason = ""
    if error["type"] == "value_error":
        reason = str(error.get("ctx", {}).get("error", error["msg"])) + "; "
    example = example_of(info)
    message = f"{reason}must be {expectation(info)}" + (f", e.g. {example}" if example else "")
    return Problem(variable, message, value=_shown(name, info, error.get("input")), where=where)


def _shown(name: str, info: FieldInfo, value: Any) -> str:
    """The value as given, with secrets and URL passwords masked."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if _is_secret(info):
        return MASK if value else ""
    text = value if isinstance(value, str) else repr(value)
    return mask_url(text) if name.endswith("_url") else text


def _is_secret(info: FieldInfo) -> bool:
    return SecretStr in (info.annotation, *get_args(info.annotation))


def expectation(info: FieldInfo) -> str:
    """What a valid value looks like: the field's ``expected``, else from its type and bounds."""
    extra = info.json_schema_extra
    if isinstance(extra, dict) and extra.get("expected"):
        return str(extra["expected"])
    annotation = info.annotation
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(str(choice) for choice in get_args(annotation))
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "a whole number" + _bounds(info)
    if annotation in (float, Decimal):
        return "a number" + _bounds(info)
    if get_origin(annotation) is list:
        return "a JSON list"
    return "a non-empty text" if _constraint(info, "min_length") else "a text"


def _constraint(info: FieldInfo, name: str) -> Any:
    for item in info.metadata:
        if getattr(item, name, None) is not None:
            return getattr(item, name)
    return None


def _bounds(info: FieldInfo) -> str:
    low = _constraint(info, "ge")
    high = _constraint(info, "le")
    above = _constraint(info, "gt")
    if low is not None and high is not None:
        return f" from {low:g} to {high:g}"
    parts = [
        f"{word} {bound:g}"
        for word, bound in (("at least", low), ("above", above), ("at most", high))
        if bound is not None
    ]
    return (", " + " and ".join(parts)) if parts else ""


def example_of(info: FieldInfo) -> str:
    if info.examples:
        return str(info.examples[0])
    default = info.get_default(call_default_factory=True)
    if default in (None, "", []) or isinstance(default, SecretStr):
        return ""
    if isinstance(default, bool):
        return str(default).lower()
    return f"{default:g}" if isinstance(default, float) else str(default)


def _source(variable: str, env_file: Path) -> tuple[str, str]:
    """(variable as spelt, where) — the environment wins over ``.env``, as in pydantic-settings."""
    for key in os.environ:
        if key.upper() == variable:
            return key, ""
    for number, key in _env_file_keys(env_file):
        if key.upper() == variable:
            return key, f"{env_file} line {number}"
    return variable, ""


def _env_file_keys(env_file: Path) -> list[tuple[int, str]]:
    try:
        lines = env_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [
        (number, match.group(1))
        for number, line in enumerate(lines, start=1)
        if (match := _ENV_LINE.match(line))
    ]


# --- the environment around the settings ---------------------------------------------------
def var_dir_problems(settings: Settings, env_file: Path = ENV_FILE) -> list[Problem]:
    """VAR_DIR (and the folders in it that exist) must be readable and writable, or creatable."""
    variable, where = _source(ENV_PREFIX + "VAR_DIR", env_file)

    def problem(why: str) -> Problem:
        return Problem(
            variable,
            f"{why}; must be {expectation(Settings.model_fields['var_dir'])}, "
            "e.g. /var/lib/landkontor owned by the user running Landkontor",
            value=str(settings.var_dir),
            where=where,
        )

    folder = Path(settings.var_dir)
    if not folder.exists():
        parent = folder.absolute().parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            return [problem(f"cannot be created: {parent} is a file")]
        if not os.access(parent, os.W_OK | os.X_OK):
            return [problem(f"cannot be created: {parent} is not writable for this user")]
        return []
    if not folder.is_dir():
        return [problem("is not a folder")]
    for inside in (folder, settings.run_dir, settings.log_dir, folder / "redis"):
        if inside.exists() and not os.access(inside, os.R_OK | os.W_OK | os.X_OK):
            return [problem(f"{inside} is not readable and writable for this user")]
    return []


def unknown_variables(env_file: Path) -> list[Problem]:
    """``LANDKONTOR_*`` variables no setting reads: usually a typo that silently does nothing."""
    known = [ENV_PREFIX + name.upper() for name in Settings.model_fields]
    found: dict[str, str] = dict.fromkeys(os.environ, "")
    for number, key in _env_file_keys(env_file):
        found.setdefault(key, f"{env_file} line {number}")
    problems = []
    for key, where in found.items():
        upper = key.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known or NOT_SETTINGS.match(upper):
            continue
        close = difflib.get_close_matches(upper, known, n=1)
        hint = f"did you mean {close[0]}?" if close else "see `landkontor config show`"
        problems.append(Problem(key, f"is not a setting and is ignored; {hint}", where=where))
    return problems
