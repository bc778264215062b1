"""Purchasing: purchase orders (Bestellung) and goods receipts (Wareneingang)."""
