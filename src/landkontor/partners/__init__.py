"""Customers, suppliers, customer groups (KundenGruppe), price lists, pricing and VAT rates."""
