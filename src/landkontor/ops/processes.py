"""Starting and stopping service processes, and finding who holds a port (psutil, any OS).

Children are started in their own session (POSIX) or process group (Windows), so Ctrl-C in
the operator's terminal reaches only the supervisor, which then stops them in order. A stop
is polite first (SIGTERM; CTRL_BREAK on Windows) and forceful after a timeout, and takes the
whole process tree (uvicorn and Celery workers have children).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

IS_WINDOWS = os.name == "nt"


def spawn(argv: list[str], *, log_path: Path, env: Mapping[str, str]) -> subprocess.Popen:
    """Start ``argv`` with stdout and stderr appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {}
    if IS_WINDOWS:
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    else:
        options["start_new_session"] = True
    # Append mode: after a copy-and-truncate rotation the child keeps writing at the new end.
    with open(log_path, "ab") as log:
        return subprocess.Popen(  # noqa: S603 - argv is built by us, never by a shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            **options,
        )


def _ask_to_stop(proc: psutil.Process) -> None:
    if IS_WINDOWS:
        try:
            os.kill(proc.pid, signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined]
            return
        except OSError:
            pass
    proc.terminate()


def process_tree(proc: psutil.Process) -> list[psutil.Process]:
    """``proc`` and all its descendants that are alive now."""
    tree = [proc]
    with contextlib.suppress(psutil.Error):
        tree.extend(proc.children(recursive=True))
    return tree


def wait_gone(procs: Iterable[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until ``procs`` ended; return those still alive after ``timeout`` seconds.

    A zombie counts as ended: its parent (not necessarily us) has yet to reap it.
    """
    deadline = time.monotonic() + timeout
    alive = list(procs)
    while True:
        for proc in alive:  # reaps the ones that are our children
            with contextlib.suppress(psutil.Error, ChildProcessError):
                proc.wait(timeout=0)
        alive = [proc for proc in alive if is_alive(proc)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)  # polling: there is no portable way to wait for a non-child


def kill_all(procs: Iterable[psutil.Process], *, wait: float = 5.0) -> None:
    """Kill ``procs`` outright and wait until they are gone."""
    alive = []
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
            alive.append(proc)
    wait_gone(alive, wait)


def kill_session(pid: int) -> None:
    """Kill what is left of the process group a service led (POSIX; orphaned workers)."""
    if IS_WINDOWS:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def stop_tree(proc: psutil.Process, timeout: float) -> bool:
    """Stop ``proc`` and its descendants: politely, then by force after ``timeout`` seconds.

    Returns True when the main process ended by itself (graceful), False when killed.
    """
    tree = process_tree(proc)
    try:
        _ask_to_stop(proc)
    except psutil.NoSuchProcess:
        kill_all(tree[1:])
        return True
    alive = wait_gone([proc], timeout)
    graceful = not alive
    # Children normally end with their parent; give them a moment, then kill what remains.
    leftovers = wait_gone(tree[1:], min(2.0, timeout))
    kill_all(alive + leftovers)
    kill_session(proc.pid)
    return graceful


def is_alive(proc: psutil.Process) -> bool:
    """Running and not a zombie (pid reuse is ruled out by psutil's own checks)."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@dataclass(frozen=True)
class PortHolder:
    """A process listening on a port; pid None when the OS does not tell us who."""

    port: int
    pid: int | None
    name: str

    def describe(self) -> str:
        return f"{self.name} (pid {self.pid})" if self.pid else self.name


def _can_bind(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        if not IS_WINDOWS:  # ignore TIME_WAIT leftovers; on Windows this would allow stealing
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _process_name(pid: int | None) -> str:
    if not pid:
        return "an unknown process"
    try:
        proc = psutil.Process(pid)
        cmd = " ".join(proc.cmdline()[:3]) or proc.name()
    except psutil.Error:
        return "an unknown process"
    return cmd if len(cmd) <= 80 else cmd[:77] + "..."


def port_holder(port: int, host: str = "127.0.0.1") -> PortHolder | None:
    """Who listens on TCP ``port`` (any address), or None when the port is free."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, PermissionError):  # macOS without root
        connections = []
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            return PortHolder(port, conn.pid, _process_name(conn.pid))
    bind_host = "0.0.0.0" if host in ("", "0.0.0.0") else host  # noqa: S104
    if _can_bind(bind_host, port):
        return None
    return PortHolder(port, None, "an unknown process")
