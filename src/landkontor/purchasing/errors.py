"""Errors of the purchasing rules."""

from landkontor.errors import Conflict


class OverReceipt(Conflict):
    code = "over-receipt"
    title = "More received than ordered"
