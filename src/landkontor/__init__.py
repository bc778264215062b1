"""Landkontor: open-source ERP for agricultural trade and feed production."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("landkontor")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
