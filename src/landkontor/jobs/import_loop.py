"""The shared import loop: validate row by row, apply good rows in chunks, report bad rows.

Each chunk is one transaction of the domain's ``apply`` function, and cancellation is checked
only between chunks, so a cancelled import leaves no half-written chunk. ``apply`` must be
idempotent (an upsert by the natural key): after a crash the job simply runs again and the
rows already imported come out ``unchanged``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landkontor.errors import DomainError
from landkontor.jobs.context import JobContext, JobFileData
from landkontor.jobs.errors import JobCancelled, RetryableError
from landkontor.jobs.tabular import Row, Table, check_columns, read_table

M = TypeVar("M", bound=BaseModel)

MAX_REPORTED_ERRORS = 1000
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# The domain's chunk function: one result per input, in order: CREATED, UPDATED, UNCHANGED
# or a DomainError saying why that row was refused.
ApplyChunk = Callable[[Session, list[M]], list["str | DomainError"]]


_TRUE = {"ja", "j", "x", "wahr", "y"}
_FALSE = {"nein", "n", "falsch", "-"}
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def _boolean(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in _TRUE:
        return True
    if isinstance(value, str) and value.lower() in _FALSE:
        return False
    return value


def _decimal(value: Any) -> Any:
    if isinstance(value, str) and "," in value and "." not in value:
        return value.replace(",", ".")  # 12,5 (German decimal comma)
    return value


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()  # a spreadsheet date cell
    if isinstance(value, str) and (match := _GERMAN_DATE.match(value)):
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return value  # the model names the field and says why
    return value


def _text(value: Any) -> Any:
    return value if isinstance(value, str) else str(value)  # 4711 in a sheet is a number


def spreadsheet_cells(
    values: dict[str, Any],
    *,
    texts: Iterable[str] = (),
    decimals: Iterable[str] = (),
    dates: Iterable[str] = (),
    booleans: Iterable[str] = (),
) -> dict[str, Any]:
    """A file row's cells as model input: empty cells left out (the model's defaults apply),
    numbers in text columns as text, German decimal commas, ``31.03.2027`` and date cells as
    dates, ``ja``/``nein`` as booleans. Anything else is left for the model to judge."""
    data = {k: v for k, v in values.items() if v is not None}
    for names, convert in (
        (texts, _text),
        (decimals, _decimal),
        (dates, _date),
        (booleans, _boolean),
    ):
        for name in names:
            if name in data:
                data[name] = convert(data[name])
    return data


@dataclass
class RowError:
    row: int
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportReport:
    filename: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    errors: list[RowError] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_result(self) -> dict[str, Any]:
        errors = sorted(self.errors, key=lambda e: e.row)
        return {
            "file": self.filename,
            "rows": self.rows,
            "imported": self.created + self.updated + self.unchanged,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(errors),
            "errors": [e.as_dict() for e in errors[:MAX_REPORTED_ERRORS]],
            "errors_truncated": len(errors) > MAX_REPORTED_ERRORS,
        }


def _validation_errors(row: Row, exc: ValidationError) -> list[RowError]:
    return [
        RowError(row.number, ".".join(str(p) for p in e["loc"]) or None, e["msg"])
        for e in exc.errors()
    ]


def _domain_errors(row: int, exc: DomainError) -> list[RowError]:
    if exc.errors:
        return [RowError(row, e.get("field"), e.get("message", exc.detail)) for e in exc.errors]
    return [RowError(row, None, exc.detail)]


@dataclass
class ImportSpec(Generic[M]):
    """How one kind of row is imported."""

    model: type[M]
    key: Callable[[M], str]  # natural key (item number): repeats in one file are refused
    apply: ApplyChunk[M]
    to_input: Callable[[dict[str, Any]], dict[str, Any]] = lambda values: values
    chunk_size: int = 1000


def run_import(ctx: JobContext, table: Table, spec: ImportSpec[M], filename: str) -> dict:
    """Import ``table`` in chunks; return the report (the job's result)."""
    report = ImportReport(filename=filename)
    seen: dict[str, int] = {}
    chunk: list[tuple[int, M]] = []

    def flush() -> None:
        if not chunk:
            return
        with ctx.session() as session:
            outcomes = spec.apply(session, [model for _, model in chunk])
        for (number, _), outcome in zip(chunk, outcomes, strict=True):
            if isinstance(outcome, DomainError):
                report.errors.extend(_domain_errors(number, outcome))
            else:
                report.count(outcome)
        report.chunks += 1
        chunk.clear()
        ctx.progress(report.rows, table.total, f"{report.rows} of {table.total} rows")
        ctx.check_cancelled()

    try:
        for row in table.rows:
            report.rows += 1
            try:
                model = spec.model.model_validate(spec.to_input(row.values))
            except ValidationError as exc:
                report.errors.extend(_validation_errors(row, exc))
                continue
            except DomainError as exc:
                report.errors.extend(_domain_errors(row.number, exc))
                continue
            key = spec.key(model)
            if key in seen:
                report.errors.append(
                    RowError(row.number, None, f"{key} repeats row {seen[key]} of the file")
                )
                continue
            seen[key] = row.number
            chunk.append((row.number, model))
            if len(chunk) >= spec.chunk_size:
                flush()
        flush()
    except JobCancelled as exc:
        result = report.as_result()
        result["cancelled_after_rows"] = report.rows - len(chunk)
        raise JobCancelled(f"cancelled after {report.chunks} chunk(s)", result=result) from exc
    ctx.progress(100, message=f"{report.rows} rows, {len(report.errors)} rejected")
    return report.as_result()


@dataclass(frozen=True)
class FileLayout:
    """The columns an import file may have (``known``) and must have (``required``), and any
    further check of its columns (``check(columns, filename)``)."""

    known: Sequence[str]
    required: Sequence[str]
    check: Callable[[list[str], str], None] | None = None

    def read(self, upload: JobFileData) -> Table:
        """The file's rows; InvalidInput if it is not CSV/XLSX or its columns are wrong."""
        table = read_table(upload.filename, upload.content)
        check_columns(
            table.columns, required=self.required, known=self.known, filename=upload.filename
        )
        if self.check is not None:
            self.check(table.columns, upload.filename)
        return table

    def check_upload(self, upload: JobFileData) -> None:
        """For ``@job_type(check_input=...)``: refuse a bad file at submit (422)."""
        self.read(upload)


def import_upload(ctx: JobContext, layout: FileLayout, spec: ImportSpec[M]) -> dict:
    """Import the job's uploaded file with ``spec``: the whole of an import job type."""
    upload = ctx.input_file()
    return run_import(ctx, layout.read(upload), spec, upload.filename)


def retry_on_conflict(apply: ApplyChunk[M], what: str) -> ApplyChunk[M]:
    """``apply`` with a unique-key conflict — another import created the same rows meanwhile —
    turned into a retry of the job (the chunk was rolled back; the retry finds the rows)."""

    def guarded(session: Session, models: list[M]) -> list[str | DomainError]:
        try:
            return apply(session, models)
        except IntegrityError as exc:
            raise RetryableError(f"{what} changed concurrently; the import is retried") from exc

    return guarded
