"""Gapless document numbers per series and year (RE-2026-000123)."""
