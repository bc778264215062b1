"""Job types of the inventory, one module per kind of work. Each is thin: it calls the
inventory's services and queries and turns what they return into a result and files.

* ``import.opening-stock`` (opening_stock.py)
* ``export.stock-levels``, ``export.ledger`` (exports.py)
* ``report.stock-valuation`` (valuation.py)
* ``maintenance.verify-stock``, nightly (verify_stock.py)
"""

from landkontor.inventory.jobs import exports, opening_stock, valuation, verify_stock

__all__ = ["exports", "opening_stock", "valuation", "verify_stock"]
