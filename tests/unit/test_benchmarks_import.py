"""Every benchmark script still imports: no test runs them, so a renamed module would
otherwise only show when somebody measures."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = sorted(
    p.stem for p in (Path(__file__).parents[2] / "benchmarks").glob("*.py") if p.stem != "__init__"
)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_the_benchmark_imports(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # the bare anchor app builds its engine from the environment when imported
    monkeypatch.setenv("BARE_API_DATABASE_URL", f"sqlite:///{tmp_path}/anchor.db")
    importlib.import_module(f"benchmarks.{name}")
