"""Demo data: a realistic Landhandel loaded through the service layer (``landkontor demo``).

* ``catalogue.py`` — the fixed master data: sites and their storage locations, items with
  pack units and prices, recipes, supplier and customer names (all invented)
* ``simulation.py`` — a year of trade, week by week: purchases and receipts, production,
  sales, deliveries, invoices and payments, then the loose ends a real business has
* ``service.py`` — ``holds_business_data`` and ``load_demo``, the one entry point the CLI,
  the job type ``demo.load`` (``jobs.py``) and the web interface call
"""
