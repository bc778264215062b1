"""Database layer: engine and sessions, declarative base, shared column types, migrations."""

from landkontor.db.base import Base, IdMixin, TimestampMixin
from landkontor.db.session import Database, get_database, use_case
from landkontor.db.types import JSONType, Money, Percent, Quantity, UnitCost, UTCDateTime

__all__ = [
    "Base",
    "Database",
    "IdMixin",
    "JSONType",
    "Money",
    "Percent",
    "Quantity",
    "TimestampMixin",
    "UTCDateTime",
    "UnitCost",
    "get_database",
    "use_case",
]
