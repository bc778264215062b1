"""The `landkontor` command line (Typer + Rich). Commands are thin: they call services."""
