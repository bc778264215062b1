"""Grain intake at harvest: weighing tickets, sample analyses, quality deductions, silo
cells, purchase contracts and the farmer's settlement (Getreideannahme und Abrechnung)."""
