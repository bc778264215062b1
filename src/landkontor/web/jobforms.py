"""A form for any job type, built from its parameter schema (the job registry's pydantic
model, as JSON Schema), and the typed values read back from the submitted form.

The form only shapes input: the job type's own model validates the parameters when the
service submits the job (one home for every bound), and its errors come back naming
``params.<field>``, which :func:`place_errors` shows at that field in German.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from landkontor.errors import DomainError
from landkontor.web.formatting import JOB_STATUS
from landkontor.web.forms import FormState, german_decimal
from landkontor.web.messages import input_message, problem_message

# German labels of parameter names the job types use; others show their own name.
LABELS = {
    "format": "Format",
    "file_format": "Datei-Format",
    "chunk_size": "Zeilen je Transaktion",
    "item_id": "Artikel-ID",
    "warehouse_id": "Lager-ID",
    "location_id": "Lagerplatz-ID",
    "batch_id": "Chargen-ID",
    "movement_id": "Buchungs-ID",
    "movement_type": "Buchungsart",
    "reference": "Beleg",
    "posted_from": "gebucht ab",
    "posted_to": "gebucht bis",
    "include_zero": "auch Bestand 0",
    "as_of": "Stichtag",
    "by_warehouse": "je Lager",
    "active": "aktiv",
    "group": "Artikelgruppe",
    "item_group": "Artikelgruppe",
    "depth": "Tiefe",
    "statuses": "Status",
    "planned_until": "geplant bis",
    "message": "Nachricht",
    "older_than_days": "älter als (Tage)",
}
CHOICE_LABELS = {**JOB_STATUS, "true": "ja", "false": "nein"}


@dataclass
class ParamField:
    name: str
    label: str
    kind: str  # text, integer, number, boolean, optional-boolean, date, datetime, choice, choices
    required: bool
    default: Any = None
    options: list[str] = field(default_factory=list)
    hint: str = ""
    max_length: int | None = None


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
    return node


def _kind(schema: dict[str, Any], node: dict[str, Any]) -> tuple[str, list[str], dict]:
    node = _resolve(schema, node)
    if "enum" in node:
        return "choice", [str(v) for v in node["enum"]], node
    if "const" in node:
        return "choice", [str(node["const"])], node
    kind = node.get("type")
    if kind == "array":
        items = _resolve(schema, node.get("items", {}))
        return "choices", [str(v) for v in items.get("enum", [])], node
    if kind == "string" and node.get("format") == "date":
        return "date", [], node
    if kind == "string" and node.get("format") == "date-time":
        return "datetime", [], node
    if kind in ("integer", "number", "boolean"):
        return str(kind), [], node
    return "text", [], node


def param_fields(schema: dict[str, Any]) -> list[ParamField]:
    """One field per property of a job type's parameter schema, in the model's order."""
    required = set(schema.get("required", []))
    fields = []
    for name, prop in schema.get("properties", {}).items():
        variants = prop.get("anyOf", [prop])
        concrete = [v for v in variants if v.get("type") != "null"] or [{}]
        optional = len(concrete) < len(variants)
        kind, options, node = _kind(schema, concrete[0])
        if kind == "boolean" and optional:
            kind = "optional-boolean"
        fields.append(
            ParamField(
                name=name,
                label=LABELS.get(name, name),
                kind=kind,
                required=name in required,
                default=prop.get("default"),
                options=options,
                hint=prop.get("description", ""),
                max_length=node.get("maxLength"),
            )
        )
    return fields


def initial_values(fields: list[ParamField]) -> dict[str, Any]:
    """What the empty form shows: each field's default as form text."""
    values: dict[str, Any] = {}
    for f in fields:
        if f.default is None:
            continue
        if f.kind == "choices":
            values[f.name] = [str(v) for v in f.default]
        elif f.kind == "boolean":
            values[f.name] = "on" if f.default else ""
        else:
            values[f.name] = str(f.default)
    return values


def read_params(fields: list[ParamField], form: FormData) -> tuple[dict[str, Any], FormState]:
    """The parameters typed into the form (empty fields left out, so defaults apply) and
    the form's state (values kept; errors where a value is not even of its type)."""
    state = FormState()
    params: dict[str, Any] = {}
    for f in fields:
        if f.kind == "choices":
            chosen = [str(v) for v in form.getlist(f.name)]
            state.values[f.name] = chosen  # type: ignore[assignment]
            if chosen:
                params[f.name] = chosen
            continue
        raw = form.get(f.name)
        text = raw.strip() if isinstance(raw, str) else ""
        state.values[f.name] = text
        if f.kind == "boolean":
            params[f.name] = text in ("on", "true")
            continue
        if not text:
            continue
        if "\x00" in text:
            state.errors[f.name] = input_message("nul_character")
        elif f.kind == "optional-boolean":
            params[f.name] = text == "true"
        elif f.kind == "integer":
            try:
                params[f.name] = int(text)
            except ValueError:
                state.errors[f.name] = input_message("int_parsing")
        elif f.kind == "number":
            params[f.name] = german_decimal(text)
        else:
            params[f.name] = text
    return params, state


def place_errors(state: FormState, error: DomainError, fields: list[ParamField]) -> FormState:
    """A submit error at the parameter it names (``params.<field>``), else on the form."""
    names = {f.name for f in fields}
    for entry in error.errors:
        path = str(entry.get("field", ""))
        name = path.removeprefix("params.").split(".", 1)[0]
        if path.startswith("params.") and name in names:
            kind = str(entry.get("type", ""))
            message = input_message(kind) if kind and kind != "invalid" else ""
            state.errors[name] = (
                message if message and message != input_message("") else problem_message(error)
            )
        elif path == "file":
            state.errors["file"] = problem_message(error)
    if not state.errors:
        state.message = problem_message(error)
    return state
