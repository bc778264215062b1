"""Sales: orders, deliveries (with the delivered batches), invoices and credit notes."""
