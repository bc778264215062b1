"""Errors of the inventory rules; each maps to a problem type of its own."""

from landkontor.errors import Conflict, InvalidInput


class InsufficientStock(Conflict):
    code = "insufficient-stock"
    title = "Insufficient stock"


class BatchNotUsable(Conflict):
    code = "batch-not-usable"
    title = "Batch cannot be used"


class LocationNotUsable(Conflict):
    code = "location-not-usable"
    title = "Storage location cannot be used"


class LocationNotLeaf(InvalidInput):
    code = "location-not-leaf"
    title = "Storage location has sub-locations"


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"
    title = "Idempotency key reused"


class AlreadyReversed(Conflict):
    code = "already-reversed"
    title = "Movement already reversed"
