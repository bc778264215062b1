"""`landkontor loadtest`: a bounded, seeded load against a running API (operators)."""

from __future__ import annotations

import asyncio
import json

import typer

from landkontor.cli.common import console, load_settings, session_scope
from landkontor.ops import loadtest


def run(
    url: str | None = typer.Option(None, help="API base URL (default: LANDKONTOR_API_URL)."),
    user: str = typer.Option(..., "--user", "-u", help="User to log in as (clerk for writes)."),
    password: str | None = typer.Option(
        None, help="Its password (default: asked for, not echoed)."
    ),
    scenario: str = typer.Option(
        "reads",
        help="reads, mixed, or one operation: " + ", ".join(loadtest.OPERATIONS) + ".",
    ),
    writes: bool = typer.Option(
        False, "--writes", help="Allow postings and sales orders (they stay in the books)."
    ),
    concurrency: int = typer.Option(loadtest.DEFAULT_CONCURRENCY, min=1, max=1024),
    duration: float = typer.Option(loadtest.DEFAULT_DURATION, min=0.1, help="Seconds."),
    max_requests: int | None = typer.Option(None, min=1, help="Stop after this many."),
    seed: int = typer.Option(17, help="Same seed, same requests."),
    check_books: bool = typer.Option(
        False,
        "--check-books",
        help="Afterwards run stock verify and the sales order number check on the database "
        "of this installation's settings (the one the API uses).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines only."),
) -> None:
    """Send concurrent authenticated requests for a while; print req/s, p50/p95/p99 and
    errors per operation and in total. Exit 1 when a request failed or the books disagree."""
    settings = load_settings()
    chosen = loadtest.SCENARIOS.get(scenario)
    if chosen is None:
        raise typer.BadParameter(f"unknown scenario {scenario!r}", param_hint="--scenario")
    wants_writes = any(op in loadtest.WRITES.values() for op, _ in chosen.weights)
    if wants_writes and not writes:
        raise typer.BadParameter(
            f"scenario {scenario} writes stock postings or sales orders; add --writes",
            param_hint="--scenario",
        )
    base = url or settings.api_url
    secret = password or typer.prompt("Password", hide_input=True)

    async def load() -> loadtest.LoadResult:
        token = await loadtest.login(base, user, secret)
        fixture = await loadtest.discover(base, token, writes=writes)
        return await loadtest.run_load(
            base,
            chosen,
            fixture,
            token=token,
            concurrency=concurrency,
            duration=duration,
            seed=seed,
            max_requests=max_requests,
        )

    try:
        result = asyncio.run(load())
    except (loadtest.HttpError, OSError, ValueError) as exc:
        console.print(f"[red]Load test failed:[/] {exc}")
        raise typer.Exit(1) from None
    summary = result.summary()
    failed = summary["total"]["errors"] > 0
    if as_json:
        print(json.dumps(summary))
    else:
        _print_table(summary)
    if check_books:
        with session_scope() as session:
            books = loadtest.check_books(session)
        failed = failed or not books["books_ok"]
        if as_json:
            print(json.dumps({"books": books}))
        else:
            colour = "green" if books["books_ok"] else "red"
            console.print(f"[{colour}]Books:[/] {json.dumps(books)}")
    if failed:
        raise typer.Exit(1)


def _print_table(summary: dict) -> None:
    from rich.table import Table

    table = Table(
        "operation",
        "requests",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        title=f"{summary['scenario']}: {summary['concurrency']} connections, "
        f"{summary['seconds']} s",
    )
    rows = [*summary["operations"].items(), ("total", summary["total"])]
    for name, f in rows:
        table.add_row(
            name,
            str(f["requests"]),
            str(f["req_per_s"]),
            str(f["p50_ms"]),
            str(f["p95_ms"]),
            str(f["p99_ms"]),
            str(f["errors"]),
        )
    console.print(table)
