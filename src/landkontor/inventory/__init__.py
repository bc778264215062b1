"""Warehouses, storage locations (LagerOrt), batches (Chargen), the stock ledger, levels,
reservations, valuation (moving average), picking proposals (FEFO) and stocktaking (Inventur)."""
