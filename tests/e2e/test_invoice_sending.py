"""Invoices e-mailed by a real worker through a real SMTP server (aiosmtpd): the attachment
is the stored document in the customer's format, a second sending needs ``resend``, and a
sending survives an SMTP server that is down for a while (the job retries)."""

from __future__ import annotations

import email
from email import policy

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from tests.factories import Stock
from tests.helpers import assert_problem
from tests.jobs_helpers import wait_job
from tests.jobs_support import RedisServer, wait_until
from tests.ops_helpers import free_ports
from tests.trade import Trade


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class SmtpServer:
    """An aiosmtpd server on a fixed port that can be stopped and started again."""

    def __init__(self, port: int, mailbox: Mailbox) -> None:
        self.port, self.mailbox, self.controller = port, mailbox, None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail(db, settings, start_worker, admin, manager, clerk):
    """A private Redis, an SMTP server, an API configured for both and a worker."""
    from landkontor.api.app import create_app

    port = free_ports(1)[0]
    mailbox = Mailbox()
    controller = SmtpServer(port, mailbox)
    controller.start()
    server = RedisServer().start()
    own = settings.model_copy(
        update={"broker_url": server.url, "smtp_host": "127.0.0.1", "smtp_port": port}
    )
    try:
        with TestClient(create_app(own, db), raise_server_exceptions=False) as client:
            worker = start_worker(
                "--queues",
                "default",
                broker=server.url,
                concurrency=1,
                LANDKONTOR_SMTP_HOST="127.0.0.1",
                LANDKONTOR_SMTP_PORT=str(port),
                LANDKONTOR_JOB_RETRY_BACKOFF_SECONDS="0.5",
            )
            trade = Trade(client, manager=manager, clerk=clerk)
            trade.enter_company(admin)
            yield client, trade, Stock(client, manager), mailbox, controller
            worker.stop()
    finally:
        controller.stop()
        server.stop()


def _invoice(trade, stock, **customer):
    wh = stock.warehouse()
    location = stock.location(wh["id"])
    item = stock.item(name="Saatgut", vat_category="reduced", base_price="2.00")
    stock.receive(item["id"], location["id"], 100)
    buyer = trade.customer(**customer)
    order = trade.sales_order(
        buyer["id"], wh["id"], {"item_id": item["id"], "quantity": "10"}, confirm=True
    )
    trade.deliver(order["id"])
    return trade.invoice(order["id"])


def test_invoice_is_emailed_in_the_preferred_format_once_unless_resent(mail, clerk):
    client, trade, stock, mailbox, _ = mail
    invoice = _invoice(
        trade, stock, invoice_email="rechnung@hof-meyer.de", invoice_format="zugferd"
    )
    sending = trade.post(f"/invoices/{invoice['id']}/send", None, status=202)
    assert sending["status"] == "queued" and sending["recipient"] == "rechnung@hof-meyer.de"
    job = wait_job(client, clerk, sending["job_id"])
    assert job["status"] == "succeeded", job
    [message] = mailbox.messages
    assert message["To"] == "rechnung@hof-meyer.de"
    assert message["Message-ID"].strip() == sending["message_id"]
    assert invoice["number"] in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"Rechnung_{invoice['number']}_ZUGFeRD.pdf"
    stored = client.get(f"/api/v1/invoices/{invoice['id']}/zugferd", headers=clerk).content
    assert attachment.get_content() == stored
    [recorded] = trade.get(f"/invoices/{invoice['id']}/sendings")
    assert recorded["status"] == "sent" and recorded["sent_at"] is not None

    again = trade.call("POST", f"/invoices/{invoice['id']}/send")
    assert_problem(again, 409, "already-sent", field="resend")
    assert len(trade.get(f"/invoices/{invoice['id']}/sendings")) == 1
    resent = trade.post(f"/invoices/{invoice['id']}/send", {"resend": True}, status=202)
    assert wait_job(client, clerk, resent["job_id"])["status"] == "succeeded"
    assert len(mailbox.messages) == 2


def test_sending_is_retried_while_the_smtp_server_is_down(mail, clerk):
    client, trade, stock, mailbox, controller = mail
    invoice = _invoice(trade, stock, invoice_email="einkauf@stadt.de", invoice_format="xrechnung")
    controller.stop()
    sending = trade.post(f"/invoices/{invoice['id']}/send", None, status=202)
    wait_until(
        lambda: (
            client.get(f"/api/v1/jobs/{sending['job_id']}", headers=clerk).json()["attempts"] >= 2
        ),
        30,
        message="a second attempt",
    )
    controller.start()
    job = wait_job(client, clerk, sending["job_id"], timeout=60)
    assert job["status"] == "succeeded", job
    [message] = mailbox.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"Rechnung_{invoice['number']}_XRechnung.xml"
    stored = client.get(f"/api/v1/invoices/{invoice['id']}/xrechnung", headers=clerk).content
    assert attachment.get_content() == stored


def test_sending_without_an_invoice_address_is_refused_and_records_nothing(mail):
    _, trade, stock, _, _ = mail
    invoice = _invoice(trade, stock)
    response = trade.call("POST", f"/invoices/{invoice['id']}/send", {"resend": False})
    assert_problem(response, 409, "no-invoice-address", field="customer.invoice_email")
    assert trade.get(f"/invoices/{invoice['id']}/sendings") == []
    assert_problem(trade.call("POST", "/invoices/999999/send"), 404)
    assert_problem(trade.call("POST", f"/invoices/{invoice['id']}/send", {"resend": "x"}), 422)
