"""Units of measure and items (Artikel) with pack units (Gebinde)."""
