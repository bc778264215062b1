"""Service events (crash, restart, give-up, recovery, unhealthy) to the operator's channels.

Channels: the log (always), a webhook (JSON POST) and e-mail (SMTP) when configured.
Deliveries run on one background thread so a slow webhook never holds up supervision, and a
failing channel is logged and otherwise ignored: notifications never crash the supervisor.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx

from landkontor import __version__
from landkontor.common.mail import smtp_connection
from landkontor.settings import Settings

log = logging.getLogger("landkontor.ops.events")

EVENT_KINDS = ("crash", "restart", "give-up", "recovery", "unhealthy")
_WARNING_KINDS = {"crash", "give-up", "unhealthy"}
_WEBHOOK_ATTEMPTS = 2


@dataclass(frozen=True)
class Event:
    """Something happened to a service."""

    kind: str
    service: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_json(self) -> dict[str, Any]:
        return {
            "source": "landkontor",
            "version": __version__,
            "host": socket.gethostname(),
            "event": self.kind,
            "service": self.service,
            "message": self.message,
            "at": self.at.isoformat(timespec="milliseconds"),
            "details": self.details,
        }

    def subject(self) -> str:
        return f"[landkontor@{socket.gethostname()}] {self.service}: {self.kind}"

    def text(self) -> str:
        lines = [f"{self.service}: {self.message}", "", f"event: {self.kind}", f"at: {self.at}"]
        for key, value in self.details.items():
            if isinstance(value, list):
                lines += ["", f"{key}:", *(f"  {item}" for item in value)]
            else:
                lines.append(f"{key}: {value}")
        return "\n".join(lines) + "\n"


def send_webhook(url: str, event: Event, timeout: float) -> None:
    """POST the event as JSON; retries once, raises when both attempts fail."""
    for attempt in range(1, _WEBHOOK_ATTEMPTS + 1):
        try:
            with httpx.Client(timeout=timeout) as http:
                http.post(url, json=event.as_json()).raise_for_status()
            return
        except httpx.HTTPError:
            if attempt == _WEBHOOK_ATTEMPTS:
                raise
            time.sleep(1.0)  # a short pause before the one retry


def send_email(settings: Settings, event: Event) -> None:
    """Send the event by SMTP to ``notify_email_to``."""
    message = EmailMessage()
    message["Subject"] = event.subject()
    message["From"] = settings.notify_email_from
    message["To"] = ", ".join(settings.notify_email_to)
    message.set_content(event.text())
    with smtp_connection(settings, timeout=settings.notify_timeout) as smtp:
        smtp.send_message(message)


Channel = Callable[[Event], None]


def configured_channels(settings: Settings) -> dict[str, Channel]:
    """The channels besides the log that ``settings`` configure."""
    channels: dict[str, Channel] = {}
    if settings.notify_webhook_url is not None and settings.notify_webhook_url.get_secret_value():
        url = settings.notify_webhook_url.get_secret_value()
        channels["webhook"] = lambda event: send_webhook(url, event, settings.notify_timeout)
    if settings.smtp_host and settings.notify_email_to:
        channels["email"] = lambda event: send_email(settings, event)
    return channels


class Notifier:
    """Logs every event and hands it to the configured channels on a background thread."""

    def __init__(self, settings: Settings, channels: dict[str, Channel] | None = None) -> None:
        self.channels = configured_channels(settings) if channels is None else channels
        self._queue: queue.Queue[Event | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def notify(self, event: Event) -> None:
        level = logging.WARNING if event.kind in _WARNING_KINDS else logging.INFO
        log.log(level, "%s %s: %s", event.service, event.kind, event.message)
        if not self.channels:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._deliver_all, name="notify", daemon=True)
            self._thread.start()
        self._queue.put(event)

    def _deliver_all(self) -> None:
        while (event := self._queue.get()) is not None:
            self.deliver(event)

    def deliver(self, event: Event) -> None:
        """Hand ``event`` to every channel now; failures are logged, never raised."""
        for name, send in self.channels.items():
            try:
                send(event)
            except Exception as exc:
                log.warning("notification via %s failed: %s: %s", name, exc.__class__.__name__, exc)

    def close(self, timeout: float = 15.0) -> None:
        """Deliver what is queued (for at most ``timeout`` seconds), then stop the thread."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None
