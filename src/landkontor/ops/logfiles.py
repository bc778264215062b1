"""Per-service logs under ``<var_dir>/log``: rotation, the last lines, following.

Services write to their log file themselves (it is their stdout), so the supervisor rotates by
copy-and-truncate: ``api.log`` is copied to ``api.log.1`` (older copies shift up) and then
emptied; the service, writing in append mode, simply continues at the new end. This works on
every platform and keeps logging intact for services adopted by a later `up`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from landkontor.settings import Settings

_TAIL_BLOCK = 8192


def log_path(settings: Settings, service: str) -> Path:
    return settings.log_dir / f"{service}.log"


def rotate_if_needed(path: Path, max_bytes: int, backups: int) -> bool:
    """Rotate ``path`` when it reached ``max_bytes``; True when it did."""
    try:
        if path.stat().st_size < max_bytes:
            return False
    except FileNotFoundError:
        return False
    if backups > 0:
        for index in range(backups - 1, 0, -1):
            older = path.with_name(f"{path.name}.{index}")
            if older.exists():
                os.replace(older, path.with_name(f"{path.name}.{index + 1}"))
        shutil.copyfile(path, path.with_name(f"{path.name}.1"))
    with open(path, "r+b") as handle:
        handle.truncate(0)
    return True


def tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of ``path`` (reads from the end, not the whole file)."""
    if lines <= 0:
        return []
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            position = handle.tell()
            data = b""
            while position > 0 and data.count(b"\n") <= lines:
                step = min(_TAIL_BLOCK, position)
                position -= step
                handle.seek(position)
                data = handle.read(step) + data
    except FileNotFoundError:
        return []
    text = data.decode("utf-8", errors="replace")
    return text.splitlines()[-lines:]


def follow(
    path: Path, *, poll: float = 0.25, keep_going: Callable[[], bool] = lambda: True
) -> Iterator[str]:
    """Yield lines appended to ``path`` from now on; survives rotation and late creation."""
    handle = None
    position = 0
    pending = ""
    with contextlib.suppress(FileNotFoundError):
        handle = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
        position = handle.seek(0, os.SEEK_END)
    try:
        while keep_going():
            if handle is None:  # not there yet: read it from its first line once it is
                with contextlib.suppress(FileNotFoundError):
                    handle = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
                    position = 0
            if handle is not None:
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_size < position:  # truncated by rotation
                        handle.seek(0)
                        position = 0
                chunk = handle.read()
                position = handle.tell()
                if chunk:
                    pending += chunk
                    *complete, pending = pending.split("\n")
                    yield from complete
                    continue
            time.sleep(poll)  # waiting for the service to write more
    finally:
        if handle is not None:
            handle.close()
