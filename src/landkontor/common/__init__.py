"""Pieces every domain's schemas and routes share: strict input models, paging, sessions."""
