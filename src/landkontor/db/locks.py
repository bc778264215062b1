"""Row locks that serialise changes of one document or partner.

PostgreSQL's ``FOR NO KEY UPDATE`` makes writers of a row wait for each other but does not
conflict with the ``KEY SHARE`` locks that inserting a referencing row (a foreign key) takes.
Plain ``FOR UPDATE`` would: locking a customer would then wait for every open transaction
that just wrote one of its orders or invoices, and such waits deadlock. SQLite ignores it
(its writers are serialised anyway).
"""

from __future__ import annotations

from typing import Any

NO_KEY_UPDATE: dict[str, Any] = {"key_share": True}


def row_lock(lock: bool) -> dict[str, Any] | None:
    """The ``with_for_update`` argument for ``Session.get``: a lock, or none."""
    return NO_KEY_UPDATE if lock else None
