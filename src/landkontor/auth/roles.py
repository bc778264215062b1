"""Roles and what they may do. Ordered: each role may do everything of the roles below it."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    viewer = "viewer"  # reads all business data (not user accounts), writes nothing
    clerk = "clerk"  # day-to-day postings: receipts, issues, orders, deliveries
    manager = "manager"  # plus: master data, prices, recalls, stocktake posting, jobs admin
    admin = "admin"  # plus: users and system settings

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


_RANK = {Role.viewer: 0, Role.clerk: 1, Role.manager: 2, Role.admin: 3}
