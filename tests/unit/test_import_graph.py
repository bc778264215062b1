"""The import graph of ``src/landkontor``: no cycle, and the layers hold — each package
imports only packages below it (grimp reads the source; nothing is imported)."""

from __future__ import annotations

import graphlib

import grimp
import pytest
from grimp import Layer

# Highest first. A package may import only packages in lower layers; the packages of a layer
# marked independent do not import each other. Layers not written yet (web, documents, grain)
# are checked as soon as they exist.
LAYERS: list[Layer] = [
    Layer("cli"),
    # Entry points: the HTTP API, the German web pages, the supervisor and its checks.
    Layer("api", "web", "ops", independent=False),
    # The aggregators: every domain's ORM models (Alembic) and job types (the job registry).
    Layer("models", "job_types"),
    # Business documents and grain trade work on top of the trading domains.
    Layer("documents", "grain", "demo", independent=False),
    Layer("production"),  # tracing walks into purchasing and sales
    Layer("sales", "purchasing"),
    Layer("company"),
    Layer("partners"),
    Layer("inventory"),
    Layer("catalog"),
    # Infrastructure below every domain: the job engine and the document number series.
    Layer("jobs", "numbering"),
    Layer("auth"),
    Layer("common"),
    Layer("db", "logconfig", "config_check"),
    Layer("settings"),
    Layer("urls"),  # URL schemes and the loopback rule, for settings and their users
    Layer("errors"),
]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Imports under TYPE_CHECKING do not run; they may point upwards for annotations only.
    return grimp.build_graph("landkontor", exclude_type_checking_imports=True)


def test_the_import_graph_has_no_cycle(graph):
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    try:
        graphlib.TopologicalSorter(imports).prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' → '.join(exc.args[1])}")


def test_every_package_is_in_a_layer(graph):
    layered = {tail for layer in LAYERS for tail in layer.module_tails}
    # Alembic loads the migrations from files; they are no package of the graph.
    packages = {m.split(".")[1] for m in graph.modules if m.count(".") >= 1}
    assert packages - layered == set()


def test_packages_import_only_downwards(graph):
    # No exception: issuing an invoice reaches documents through sales.invoice_documents,
    # a hook documents registers at start-up (never an import from sales up to documents).
    illegal = graph.find_illegal_dependencies_for_layers(layers=LAYERS, containers={"landkontor"})
    found = sorted(
        f"{dependency.importer} → {dependency.imported}: "
        + "; ".join(
            " → ".join([*sorted(route.heads), *route.middle, *sorted(route.tails)])
            for route in dependency.routes
        )
        for dependency in illegal
    )
    assert found == []
