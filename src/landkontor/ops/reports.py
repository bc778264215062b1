"""Systemtest reports as JUnit XML (for CI dashboards) and JSON."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from landkontor.ops.systemtest import StepResult

SUITE = "landkontor.systemtest"


def passed(results: list[StepResult]) -> bool:
    """All steps passed or were skipped as not applicable."""
    return all(r.status != "fail" for r in results)


def write_junit(path: Path, results: list[StepResult], *, started: datetime) -> None:
    root = ET.Element("testsuites", name=SUITE)
    suite = ET.SubElement(
        root,
        "testsuite",
        name=SUITE,
        tests=str(len(results)),
        failures=str(sum(r.status == "fail" for r in results)),
        skipped=str(sum(r.status == "skip" for r in results)),
        errors="0",
        time=f"{sum(r.seconds for r in results):.3f}",
        timestamp=started.isoformat(timespec="seconds"),
        hostname=socket.gethostname(),
    )
    for result in results:
        case = ET.SubElement(
            suite, "testcase", classname=SUITE, name=result.name, time=f"{result.seconds:.3f}"
        )
        if result.status == "fail":
            ET.SubElement(case, "failure", message=result.detail[:500]).text = result.detail
        elif result.status == "skip":
            ET.SubElement(case, "skipped", message=result.detail[:500])
        else:
            ET.SubElement(case, "system-out").text = result.detail
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def write_json(path: Path, results: list[StepResult], *, started: datetime, api_url: str) -> None:
    report = {
        "passed": passed(results),
        "api_url": api_url,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(sum(r.seconds for r in results), 3),
        "steps": [asdict(r) for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
