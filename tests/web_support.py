"""Fixtures for the web interface (a pytest plugin, loaded by tests/conftest.py).

* ``web_client`` — a TestClient whose requests look like a browser's (Origin header) with
  helpers to log in as a role and read the CSRF token of a page.
* ``live_server`` — the application served by uvicorn in a thread on a free port, over the
  test database (the same database the ``db`` fixture empties before each test).
* ``browser`` — the distribution's Chromium driven by Playwright; the tests that use it are
  skipped with a clear reason only when no ``chromium`` is installed.
* ``web_page(role)`` — a new browser page of a user with that role, already logged in.
* ``screenshot(page, name)`` — saves a screenshot under LANDKONTOR_TEST_ARTIFACTS
  (default var/test-artifacts/) named after the test.
* ``count_statements`` — counts the SQL statements a block of code runs, for "no N+1".
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("LANDKONTOR_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SESSION_COOKIE = "lk_session"
PASSWORD = "secret-password"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def session_cookie_for(user_id: int, *, minutes: float = 30, version: int = 0) -> str:
    from landkontor.auth.security import create_access_token
    from tests.conftest import SECRET

    token, _ = create_access_token(
        user_id, version, key=SECRET, lifetime=timedelta(minutes=minutes)
    )
    return token


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


class WebClient:
    """A TestClient that sends a browser's Origin and logs in through the session cookie."""

    def __init__(self, client: TestClient, users) -> None:
        self.client = client
        self.users = users
        self.user_ids: dict[str, int] = {}

    def login_as(self, role: str) -> int:
        """Be logged in as a (new) user of ``role``: the session cookie of a real token."""
        user_id = self.users.create_role_user(f"web-{role}", role)
        self.user_ids[role] = user_id
        self.use_session(session_cookie_for(user_id))
        return user_id

    def use_session(self, token: str) -> None:
        """Hold ``token`` as the session cookie, as the browser stores one set by the app."""
        self.client.cookies.set(SESSION_COOKIE, token, domain="testserver.local")

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        """POST a form like the browser does; ``csrf`` adds the token of the current session."""
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", csrf_of(self.client.get("/passwort").text))
        headers = {"Origin": "http://testserver", **kwargs.pop("headers", {})}
        return self.client.post(url, data=data, headers=headers, **kwargs)


@pytest.fixture
def web_client(app, users) -> Iterator[WebClient]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield WebClient(client, users)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(shared_app) -> Iterator[str]:
    """The shared application served over HTTP; yields its base URL."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(shared_app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    # The distribution's browser: Debian calls it chromium, Ubuntu chromium-browser.
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no chromium on PATH: install the distribution's chromium package")
    from playwright.sync_api import expect, sync_playwright

    # As long as a page's own default below: a busy CI machine answers slower than a desk.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def web_page(browser, live_server, users, db) -> Iterator[Callable]:
    """``web_page(role)``: a logged-in page (own browser context) of a new user of that role."""
    contexts = []

    def open_page(role: str, *, username: str | None = None):
        user_id = users.create_role_user(username or f"browser-{role}", role)
        context = browser.new_context(base_url=live_server, locale="de-DE")
        context.add_cookies(
            [
                {
                    "name": SESSION_COOKIE,
                    "value": session_cookie_for(user_id),
                    "url": live_server,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def anonymous_page(browser, live_server, db) -> Iterator:
    context = browser.new_context(base_url=live_server, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request) -> Callable:
    """``screenshot(page, "step")`` saves <artifacts>/<test name>/<nn>-step.png."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    taken = 0

    def take(page, name: str) -> Path:
        nonlocal taken
        taken += 1
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{taken:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, _connection, _cursor, statement: str, *_args) -> None:
        self.count += 1
        self.statements.append(statement)

    @property
    def work(self) -> int:
        """Statements that do work: SQLite's BEGIN (IMMEDIATE) is transaction control."""
        return sum(not s.lstrip().upper().startswith("BEGIN") for s in self.statements)


@pytest.fixture
def count_statements(db) -> Callable:
    """``with count_statements() as counter: ...``; then ``counter.count`` statements ran."""

    @contextlib.contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting
