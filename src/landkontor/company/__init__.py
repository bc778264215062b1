"""The company itself (Firmenstammdaten): the seller on every document, the DATEV client.

Its own package, below sales and purchasing in the import graph, because three layers read
it: sales refuses to issue an invoice while the legally required data are missing, the
documents render it in every letterhead and e-invoice, and the DATEV export takes its
consultant and client numbers and its chart of accounts from it.
"""
