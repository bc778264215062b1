"""Errors of grain intake; each maps to a problem type of its own."""

from landkontor.errors import Conflict, InvalidInput, InvalidState


class NoQualityTerms(Conflict):
    code = "no-quality-terms"
    title = "No quality terms for the crop"


class TicketNotReady(InvalidState):
    code = "ticket-not-ready"
    title = "The ticket is not ready for this step"


class TicketSettled(InvalidState):
    code = "ticket-settled"
    title = "The ticket is settled and cannot change"


class WeighingConflict(Conflict):
    code = "weighing-conflict"
    title = "The scale record number was used for another weighing"


class PriceMissing(Conflict):
    code = "price-missing"
    title = "No price for part of the quantity"


class TareNotBelowGross(InvalidInput):
    code = "tare-not-below-gross"
    title = "The tare must be below the gross weight"


class UnknownFarmer(InvalidInput):
    code = "unknown-farmer"
    title = "No farmer has this number"


class ReasonRequired(InvalidInput):
    code = "reason-required"
    title = "A second analysis replaces the first and needs a reason"
