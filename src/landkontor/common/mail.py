"""The SMTP connection every e-mail of the system goes through (service notifications,
invoices), configured by the ``LANDKONTOR_SMTP_*`` settings."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager

from landkontor.settings import Settings


@contextmanager
def smtp_connection(settings: Settings, *, timeout: float) -> Iterator[smtplib.SMTP]:
    """An open, logged-in SMTP connection (STARTTLS when configured)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        yield smtp
