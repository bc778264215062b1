"""Forms: parse what the user typed into the service's own input model, and show errors.

:func:`parse_form` validates the submitted fields with the same pydantic model the API uses
(so every bound — lengths, decimals, ranges — lives in one place) after reading German
numbers (``1.234,5``). :meth:`FormState.fail` takes a service's DomainError and puts its
German message at the field it names. Either way the form keeps what the user typed.

Postings carry an idempotency key (:func:`new_form_key`, a hidden field rendered with the
form): the page passes it to the service, which posts once per key, so a double click or
a resent form posts once.
"""

from __future__ import annotations

import re
import types
import typing
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from landkontor.errors import DomainError
from landkontor.web.messages import input_message, problem_message

M = TypeVar("M", bound=BaseModel)

IDEMPOTENCY_FIELD = "idempotency_key"
_GERMAN_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def new_form_key() -> str:
    """A fresh idempotency key for a rendered posting form."""
    return uuid.uuid4().hex


def german_decimal(text: str) -> str:
    """``1.234,5`` -> ``1234.5``; ``1.500`` -> ``1500``; ``2.5`` stays ``2.5``."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    if _GERMAN_THOUSANDS.match(text):
        return text.replace(".", "")
    return text


def positive_decimal(text: str) -> Decimal | None:
    """A positive number as typed (German or plain form, below 10^15), or None — for the
    live partials that read a half-typed quantity (no error, just nothing to show yet)."""
    try:
        value = Decimal(german_decimal(text))
    except ArithmeticError:
        return None
    if not value.is_finite() or value <= 0 or value >= Decimal(10) ** 15:
        return None
    return value


def _is_decimal(annotation: Any) -> bool:
    if annotation is Decimal:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return any(_is_decimal(arg) for arg in typing.get_args(annotation))
    return False


def _is_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(arg is bool for arg in typing.get_args(annotation))
    return False


@dataclass
class FormState:
    """What a form shows: the typed values, errors per field, and a message for the form."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.message is None

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    def fail(self, error: DomainError, known_fields: typing.Iterable[str] = ()) -> FormState:
        """Show a service error: at the fields it names that the form has, else on top."""
        message = problem_message(error)
        known = set(known_fields) or set(self.values)
        placed = False
        for entry in error.errors:
            name = str(entry.get("field", ""))
            if name in known:
                self.errors[name] = message
                placed = True
        if not placed:
            self.message = message
        return self


def form_values(form: FormData) -> dict[str, str]:
    """The submitted text fields (files and the CSRF token left out)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def parse_form(
    model: type[M],
    form: FormData,
    *,
    fields: typing.Iterable[str] | None = None,
    empty_as_none: bool = False,
) -> tuple[M | None, FormState]:
    """Validate ``form`` against ``model``. Returns (the model or None, the form's state).

    Only ``fields`` (default: all of the model's) are read; an empty text field counts as
    not given, so the model's default applies (or 'missing' when it is required) — or, with
    ``empty_as_none`` (edit forms, where emptying a field clears it), as None. A check box
    that is not ticked is sent by no browser: a boolean field in ``fields`` that is absent
    is False.
    """
    values = form_values(form)
    state = FormState(values=values)
    names = list(fields) if fields is not None else list(model.model_fields)
    data: dict[str, Any] = {}
    for name in names:
        info = model.model_fields[name]
        raw = values.get(name)
        if _is_bool(info.annotation):
            data[name] = raw in ("on", "true", "1", "ja")
            continue
        if raw is None or raw.strip() == "":
            if empty_as_none and raw is not None:
                data[name] = None
            continue
        if "\x00" in raw:
            state.errors[name] = input_message("nul_character")
            continue
        data[name] = german_decimal(raw) if _is_decimal(info.annotation) else raw.strip()
    if state.errors:
        return None, state
    try:
        return model.model_validate(data), state
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc") or ("",)
            name = str(loc[0])
            state.errors.setdefault(name, input_message(error["type"], error.get("ctx")))
        if not state.errors:
            state.message = input_message("")
        return None, state
