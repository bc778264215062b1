"""Errors of the sales rules; each maps to a problem type of its own."""

from landkontor.errors import Conflict


class CreditLimitExceeded(Conflict):
    code = "credit-limit-exceeded"
    title = "Credit limit exceeded"


class QuantityExceedsOrder(Conflict):
    code = "quantity-exceeds-order"
    title = "More than ordered"


class NothingToInvoice(Conflict):
    code = "nothing-to-invoice"
    title = "Nothing to invoice"


class AlreadyInvoiced(Conflict):
    code = "already-invoiced"
    title = "Already invoiced"


class CreditExceedsInvoice(Conflict):
    code = "credit-exceeds-invoice"
    title = "Credit note exceeds the invoice"
