"""Bills of materials (Rezepturen), production orders (ProduktionsAuftrag), batch tracing
and recalls."""
