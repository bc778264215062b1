"""Pure rules of the job engine: error classification, backoff, files, Flower's login."""

from __future__ import annotations

import io
import stat
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import SecretStr, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from landkontor.errors import InvalidInput
from landkontor.jobs.errors import RetryableError
from landkontor.jobs.flower_auth import basic_auth, resolve_flower_password
from landkontor.jobs.lifecycle import backoff_seconds, is_transient
from landkontor.jobs.pdf import table_pdf
from landkontor.jobs.registry import get_job_type
from landkontor.jobs.tabular import read_table, write_csv, write_xlsx
from landkontor.settings import Settings


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (RetryableError("busy"), True),
        (OperationalError("SELECT 1", {}, Exception("server closed the connection")), True),
        (ConnectionError("refused"), True),
        (InvalidInput("bad", field="x"), False),
        (IntegrityError("INSERT", {}, Exception("duplicate")), False),
        (ValueError("bug"), False),
    ],
)
def test_only_transient_errors_are_retried(error, transient):
    assert is_transient(error) is transient


def test_backoff_grows_exponentially_with_jitter_and_a_cap(tmp_path):
    settings = Settings(
        var_dir=tmp_path, job_retry_backoff_seconds=2, job_retry_backoff_max_seconds=30
    )
    for attempt, base in [(1, 2), (2, 4), (3, 8), (4, 16), (6, 30), (20, 30)]:
        delays = {backoff_seconds(attempt, settings) for _ in range(50)}
        assert all(0.5 * base <= d <= 1.5 * base for d in delays)
        assert len(delays) > 1  # jitter: retries of many jobs do not arrive together


def test_csv_reading_detects_delimiter_and_encoding():
    content = "Item No;Name;Base Unit\nA-1;Käse;kg\n\n;;\nA-2;Öl;l\n".encode("cp1252")
    table = read_table("x.csv", content)
    assert table.columns == ["item_no", "name", "base_unit"] and table.total == 2
    rows = list(table.rows)
    assert [(r.number, r.values["name"]) for r in rows] == [(2, "Käse"), (5, "Öl")]


def test_xlsx_round_trip_keeps_decimals_exact():
    content = write_xlsx(["item_no", "qty"], [["A", Decimal("12.5")], ["B", None]])
    rows = list(read_table("x.xlsx", content).rows)
    assert rows[0].values == {"item_no": "A", "qty": Decimal("12.5")}
    assert rows[1].values == {"item_no": "B", "qty": None}
    workbook = Workbook()
    workbook.active.append(["a"])
    workbook.active.append([0.1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert next(read_table("y.xlsx", buffer.getvalue()).rows).values["a"] == Decimal("0.1")
    assert load_workbook(io.BytesIO(content)).active["A1"].font.b


def test_csv_writer_writes_plain_values():
    text = write_csv(["a", "b", "c"], [[True, Decimal("2.5000"), None]]).decode()
    assert text == "a,b,c\r\ntrue,2.5000,\r\n"


def test_pdf_table_breaks_across_pages():
    pdf = table_pdf(
        "Bestandsbewertung",
        ["Artikel", "Menge"],
        [[f"A-{n}", Decimal(n)] for n in range(300)],
        header_lines=["Stichtag 2026-11-28"],
        numeric_columns=[1],
    )
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") > 3


def test_job_params_are_validated_by_their_model():
    spec = get_job_type("export.items")
    assert spec.validate_params({"format": "xlsx"}).format == "xlsx"
    with pytest.raises(InvalidInput) as error:
        spec.validate_params({"format": "pdf"})
    assert error.value.errors[0]["field"] == "params.format"


def test_flower_password_is_generated_once_and_private(tmp_path):
    settings = Settings(var_dir=tmp_path)
    password = resolve_flower_password(settings)
    assert password and resolve_flower_password(settings) == password
    path = tmp_path / "flower-password"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert basic_auth(settings) == f"flower:{password}"
    assert "flower-password" not in str(settings.masked())


def test_flower_without_password_only_on_loopback(tmp_path):
    open_local = Settings(var_dir=tmp_path, flower_password=SecretStr(""))
    assert basic_auth(open_local) is None
    with pytest.raises(ValidationError, match="flower_password"):  # refused at start
        Settings(var_dir=tmp_path, flower_password=SecretStr(""), flower_host="0.0.0.0")
    exposed = open_local.model_copy(update={"flower_host": "0.0.0.0"})  # not validated
    with pytest.raises(InvalidInput):
        basic_auth(exposed)
    configured = Settings(var_dir=tmp_path, flower_password=SecretStr("s3cret-flower"))
    assert basic_auth(configured) == "flower:s3cret-flower"
    assert "s3cret-flower" in configured.secret_values()
