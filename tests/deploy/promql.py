"""Checks that a PromQL expression (of a dashboard or an alert rule) names real metrics."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import promql_parser

from tests.deploy.known_metrics import EXPORTERS, TARGET_LABELS, Series

# Grafana's interval macros are not PromQL; any duration stands in for them.
_GRAFANA_DURATIONS = re.compile(
    r"\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}"
)
_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*([A-Za-z_:][\w:]*)\s*,\s*(\w+)\s*\)\s*$")


@dataclass
class Selector:
    metric: str
    matchers: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (op, value)


def parse(expr: str) -> promql_parser.Expr:
    return promql_parser.parse(_GRAFANA_DURATIONS.sub("5m", expr))


def selectors(expr: str) -> list[Selector]:
    found: list[Selector] = []

    def visit(node: object) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            matchers = {
                m.name: (str(m.op).rsplit(".", 1)[-1], m.value) for m in node.matchers.matchers
            }
            name = node.name or matchers.pop("__name__", ("", ""))[1]
            found.append(Selector(name, matchers))
        return True

    promql_parser.walk(parse(expr), visit)
    return found


def problems(expr: str, app_series: dict[str, Series], jobs: set[str]) -> list[str]:
    """Every reason why ``expr`` could select nothing real; empty when it is fine."""
    try:
        found = selectors(expr)
    except ValueError as exc:
        return [f"not valid PromQL: {exc}"]
    issues: list[str] = []
    for selector in found:
        issues.extend(_selector_problems(selector, app_series, jobs))
    return issues


def _jobs_of(selector: Selector) -> set[str]:
    """The scrape jobs a selector is limited to: job="a" or job=~"a|b"; empty if not limited."""
    op, value = selector.matchers.get("job", ("", ""))
    if op == "Equal":
        return {value}
    if op == "Re" and re.fullmatch(r"[\w-]+(\|[\w-]+)*", value):
        return set(value.split("|"))
    return set()


def _selector_problems(
    selector: Selector, app_series: dict[str, Series], jobs: set[str]
) -> list[str]:
    name = selector.metric
    selected_jobs = _jobs_of(selector)
    if selected_jobs - jobs:
        return [f"{name}: job(s) {sorted(selected_jobs - jobs)} not scraped by prometheus.yml"]
    if name in app_series:
        series = app_series[name]
        if selected_jobs and not selected_jobs & series.jobs:
            return [f"{name} is not served by job(s) {sorted(selected_jobs)}"]
        unknown = set(selector.matchers) - series.labels
        return [f"{name} has no label(s) {sorted(unknown)}"] if unknown else []
    if name == "up":
        return [] if selected_jobs else ["up without a job matcher"]
    for exporter in EXPORTERS:
        if name.startswith(exporter.prefix):
            if name not in exporter.metrics:
                return [f"{name} is not a known {exporter.job} exporter metric"]
            if selected_jobs != {exporter.job}:
                return [f'{name} must be selected with job="{exporter.job}"']
            return []
    return [f"{name} is exported by nothing we know"]


def label_values_problems(query: str, app_series: dict[str, Series]) -> list[str]:
    """Grafana's ``label_values(metric, label)`` variable query."""
    match = _LABEL_VALUES.match(query)
    if not match:
        return [f"unsupported variable query {query!r}"]
    metric, label = match.groups()
    if metric not in app_series:
        return [f"{metric} is exported by nothing we know"]
    if label not in app_series[metric].labels - TARGET_LABELS:
        return [f"{metric} has no label {label!r}"]
    return []
