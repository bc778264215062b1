"""Notifications reach a real webhook and a real SMTP server; broken channels never raise."""

from __future__ import annotations

import time

import pytest
from aiosmtpd.controller import Controller

from landkontor.ops.notify import Event, Notifier, configured_channels
from landkontor.settings import Settings
from tests.ops_helpers import WebhookReceiver, free_ports, wait_until


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.mail_from, envelope.rcpt_tos, envelope.content.decode("utf-8"))
        )
        return "250 OK"


@pytest.fixture
def webhook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_ports(1)[0])
    controller.start()
    yield controller, mailbox
    controller.stop()


def crash_event() -> Event:
    return Event(
        "crash",
        "api",
        "was killed by SIGKILL (pid 4711); restarting in 1 s",
        {"pid": 4711, "log_tail": ["INFO started", "ERROR boom"]},
    )


def test_webhook_receives_the_event_as_json(webhook, tmp_path):
    settings = Settings(var_dir=tmp_path, notify_webhook_url=webhook.url)
    notifier = Notifier(settings)
    notifier.notify(crash_event())
    notifier.close()
    [event] = webhook.events
    assert event["event"] == "crash" and event["service"] == "api"
    assert event["details"]["pid"] == 4711
    assert event["source"] == "landkontor" and event["at"]


def test_email_goes_to_every_recipient(smtp, tmp_path):
    controller, mailbox = smtp
    settings = Settings(
        var_dir=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        notify_email_to=["it@landhandel.example", "chef@landhandel.example"],
        notify_email_from="erp@landhandel.example",
    )
    notifier = Notifier(settings)
    notifier.notify(crash_event())
    notifier.close()
    [(sender, recipients, content)] = mailbox.messages
    assert sender == "erp@landhandel.example"
    assert recipients == ["it@landhandel.example", "chef@landhandel.example"]
    assert "api: crash" in content and "was killed by SIGKILL" in content
    assert "ERROR boom" in content


def test_unreachable_channels_are_logged_not_raised(tmp_path, caplog):
    dead_port = free_ports(1)[0]
    settings = Settings(
        var_dir=tmp_path,
        notify_webhook_url=f"http://127.0.0.1:{dead_port}/hook",
        smtp_host="127.0.0.1",
        smtp_port=dead_port,
        notify_email_to=["it@landhandel.example"],
        notify_timeout=2,
    )
    notifier = Notifier(settings)
    assert set(notifier.channels) == {"webhook", "email"}
    started = time.monotonic()
    notifier.notify(crash_event())  # returns at once: delivery is in the background
    assert time.monotonic() - started < 1
    notifier.close()
    failures = [r.getMessage() for r in caplog.records if "notification via" in r.getMessage()]
    assert any("webhook failed" in m for m in failures)
    assert any("email failed" in m for m in failures)


def test_a_webhook_error_does_not_stop_later_events(webhook, tmp_path):
    calls = []

    def flaky(event: Event) -> None:
        calls.append(event.kind)
        if event.kind == "crash":
            raise RuntimeError("webhook down")

    notifier = Notifier(Settings(var_dir=tmp_path), channels={"flaky": flaky})
    notifier.notify(crash_event())
    notifier.notify(Event("recovery", "api", "healthy again"))
    wait_until(lambda: len(calls) == 2, 5, "both deliveries")
    notifier.close()
    assert calls == ["crash", "recovery"]


def test_no_channels_without_configuration(tmp_path):
    assert configured_channels(Settings(var_dir=tmp_path)) == {}
