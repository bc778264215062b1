"""Who a valid access token belongs to, without a database round trip on every request.

A token names a user id and that user's token version (bumped on password change and
deactivation). Whether the token still counts depends on the user's row: active, same
version. Reading that row on every request cost about a tenth of an API request's time, so
each API process keeps what it read for a few seconds (``LANDKONTOR_AUTH_CACHE_SECONDS``,
default 5; 0 turns the cache off):

* keyed by user id *and* token version: a token of an older version never matches the entry
  of the newer one, so after a password change in this process old tokens fail at once;
* a change of a user (deactivation, password, role, name) in this process forgets the user at
  once, and again after its commit (a request that read the old row in between cannot keep
  it);
* another API process notices the change when its entry expires: within the cache seconds.
  That is the whole window, and the README says so. Roles are cached like the rest: a
  demotion, too, takes effect in the other processes within those seconds.

Entries are small and bounded (``MAX_ENTRIES``, the oldest dropped first); a user id that
comes back after rows were deleted behind the services (tests empty their tables) can be
forgotten with :func:`forget_everyone`.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session

from landkontor.auth.roles import Role

MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated user of a request: what routes and services need of it."""

    id: int
    username: str
    role: Role
    token_version: int


class PrincipalCache:
    """The principals of recently seen tokens of one application, for ``ttl`` seconds."""

    def __init__(
        self,
        ttl: float,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[tuple[int, int], tuple[float, Principal]] = OrderedDict()
        self._lock = threading.Lock()
        _caches.add(self)

    def get(self, user_id: int, token_version: int) -> Principal | None:
        if self.ttl <= 0:
            return None
        entry = self._entries.get((user_id, token_version))
        if entry is None:
            return None
        if entry[0] <= self.clock():
            with self._lock:
                self._entries.pop((user_id, token_version), None)
            return None
        return entry[1]

    def put(self, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        key = (principal.id, principal.token_version)
        with self._lock:
            self._entries[key] = (self.clock() + self.ttl, principal)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, user_id: int) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == user_id]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_caches: weakref.WeakSet[PrincipalCache] = weakref.WeakSet()


def forget_user(session: Session, user_id: int) -> None:
    """Forget ``user_id`` in every cache of this process now and once more after the
    session's transaction commits."""
    _forget_everywhere(user_id)

    def after_commit(_session: Session) -> None:
        _forget_everywhere(user_id)

    event.listen(session, "after_commit", after_commit, once=True)


def _forget_everywhere(user_id: int) -> None:
    for cache in list(_caches):
        cache.forget(user_id)


def forget_everyone() -> None:
    """Empty every cache of this process."""
    for cache in list(_caches):
        cache.clear()
