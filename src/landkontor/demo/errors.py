"""Errors of the demo loader."""

from landkontor.errors import Conflict


class DatabaseNotEmpty(Conflict):
    """The demo is loaded only into a database without business data (409)."""

    code = "database-not-empty"
    title = "The database already holds business data"
