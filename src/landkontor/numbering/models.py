"""The counter rows behind document numbers."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landkontor.db.base import Base


class DocumentCounter(Base):
    """The last number handed out in one series (RE, GS, LS …) and year.

    Taken with an atomic UPSERT inside the document's own transaction: the row stays
    locked until that transaction ends, and a rollback takes the number back with it.
    """

    __tablename__ = "document_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)

    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(BigInteger, nullable=False)
