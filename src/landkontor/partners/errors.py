"""Errors of the partner and pricing rules; each maps to a problem type of its own."""

from landkontor.errors import Conflict


class CustomerBlocked(Conflict):
    code = "customer-blocked"
    title = "Customer is blocked"


class SupplierBlocked(Conflict):
    code = "supplier-blocked"
    title = "Supplier is blocked"


class NoPrice(Conflict):
    code = "no-price"
    title = "No price for this item"


class PriceOverlap(Conflict):
    code = "price-overlap"
    title = "Overlapping prices"
