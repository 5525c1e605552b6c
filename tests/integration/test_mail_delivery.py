"""Mail delivered through the task queue to a REAL local SMTP server (aiosmtpd): a relay that is down
and comes back loses nothing and sends nothing twice, a rolled-back action sends nothing, a relay that
keeps refusing leaves the mail failed with its error, and an admin can resend it."""

import html
import re
import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from factories import FIXED_NOW
from sqlalchemy import select

from expertpool import tasks
from expertpool.accounts import invite_user
from expertpool.auth.services import send_password_reset
from expertpool.models import AuditLog, MailStatus, OutboxMail, Task, TaskStatus, UserRole


class Relay:
    """An SMTP server on a fixed port that can be stopped, started again, or made to refuse mail."""

    def __init__(self, port: int):
        self.port = port
        self.received = []  # (recipients, parsed message)
        self.refuse = False
        self._controller = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Mailbox temporarily unavailable"
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def start(self):
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def relay(app, monkeypatch):
    relay = Relay(_free_port())
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": relay.port, "MAIL_USE_TLS": False}.items():
        monkeypatch.setitem(app.config, key, value)
    yield relay
    relay.stop()


def _mails(db):
    return db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()


def test_relay_down_then_up_loses_nothing_and_sends_nothing_twice(app, db, factory, relay):
    member = factory.member("Plouzané")
    user = factory.user(UserRole.MEMBER, member=member, email="maire@plouzane.fr", name="Anne Maire")
    other = factory.user(UserRole.MEMBER, member=member, email="dgs@plouzane.fr", name="Paul DGS", locale="en")
    with app.test_request_context():  # the links are built with url_for
        send_password_reset(user, now=FIXED_NOW)
        send_password_reset(other, now=FIXED_NOW)
    assert [m.status for m in _mails(db)] == [MailStatus.PENDING] * 2  # nothing left during the action

    # The relay is down: both attempts fail, the mails wait with the error.
    assert tasks.drain(now=FIXED_NOW) == 2
    for mail in _mails(db):
        assert (mail.status, mail.attempts) == (MailStatus.PENDING, 1)
        assert mail.error.startswith("ConnectionRefusedError")
    assert relay.received == []

    relay.start()
    assert tasks.drain(now=FIXED_NOW + timedelta(seconds=10)) == 0  # the backoff is respected
    assert tasks.drain(now=FIXED_NOW + tasks.backoff(1)) == 2
    assert [(m.status, m.attempts, m.error, m.sent_at) for m in _mails(db)] == [
        (MailStatus.SENT, 2, "", FIXED_NOW + tasks.backoff(1))
    ] * 2
    # Later drains send nothing again.
    assert tasks.drain(now=FIXED_NOW + timedelta(hours=2)) == 0
    assert sorted(rcpt for rcpt, _ in relay.received) == [["dgs@plouzane.fr"], ["maire@plouzane.fr"]]
    by_recipient = {rcpt[0]: message for rcpt, message in relay.received}
    french = by_recipient["maire@plouzane.fr"]
    assert french["Subject"] == "Réinitialisation de votre mot de passe"
    assert french["From"] == "expertpool <no-reply@expertpool.local>"
    body = french.get_content().replace("\r\n", "\n")
    link = body.split("\n")[3]
    assert link.startswith("http://localhost/compte/reinitialiser/")
    assert body == (
        "Bonjour Anne Maire,\n\n"
        "Pour choisir un nouveau mot de passe, suivez ce lien (valable 2 heures) :\n"
        f"{link}\n\n"
        "Si vous n'avez rien demandé, ignorez ce message.\n"
    )
    assert by_recipient["dgs@plouzane.fr"]["Subject"] == "Resetting your password"


def test_a_rolled_back_action_sends_nothing(app, db, factory, relay):
    relay.start()
    admin = factory.user(UserRole.ADMIN, member=None)
    savepoint = db.session.begin_nested()
    _invite_expert(app, admin)
    savepoint.rollback()
    assert _mails(db) == [] and db.session.scalars(select(Task)).all() == []
    assert tasks.drain(now=FIXED_NOW + timedelta(hours=1)) == 0
    assert relay.received == []


def test_a_failing_relay_marks_the_mail_failed_with_its_error_and_an_admin_resends_it(app, db, factory, relay, login):
    relay.start()
    relay.refuse = True
    admin = factory.user(UserRole.ADMIN, member=None, email="admin@example.org")
    _invite_expert(app, admin)
    now = FIXED_NOW
    for _ in range(tasks.MAX_ATTEMPTS):
        assert tasks.drain(now=now) == 1
        now += timedelta(hours=1)  # beyond every backoff
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == "expert@example.org"))
    task = db.session.scalar(select(Task))
    error = "SMTPDataError: (451, b'4.3.0 Mailbox temporarily unavailable')"
    assert (mail.status, mail.attempts, mail.error) == (MailStatus.FAILED, tasks.MAX_ATTEMPTS, error)
    assert (task.status, task.last_error) == (TaskStatus.FAILED, error)
    assert tasks.drain(now=now + timedelta(days=1)) == 0 and relay.received == []

    # The admin sees it failed, with the error, and resends it once the relay accepts mail again.
    client = login(admin)
    page = html.unescape(client.get("/admin/courriels").get_data(as_text=True))
    assert "Échec de l'envoi" in page and "6 tentatives" in page
    assert f"Dernière erreur : {error}" in page
    assert f'action="/admin/courriels/{mail.id}/renvoyer"' in page
    relay.refuse = False
    response = client.post(f"/admin/courriels/{mail.id}/renvoyer", data={"csrf_token": _csrf(client)})
    assert response.status_code == 302
    assert (mail.status, mail.error) == (MailStatus.PENDING, "")
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "mail.resend"))
    assert (audit.actor_id, audit.entity_id, audit.before["status"]) == (admin.id, mail.id, "failed")
    assert tasks.drain(now=now + timedelta(days=1)) == 1
    assert mail.status == MailStatus.SENT and [rcpt for rcpt, _ in relay.received] == [["expert@example.org"]]
    # A mail that is not failed cannot be resent (nothing sent twice by a double click).
    client.post(f"/admin/courriels/{mail.id}/renvoyer", data={"csrf_token": _csrf(client)})
    assert mail.status == MailStatus.SENT and tasks.drain(now=now + timedelta(days=2)) == 0


def test_the_resend_button_refuses_a_post_without_csrf_token(app, db, factory, login, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    admin = factory.user(UserRole.ADMIN, member=None)
    mail = OutboxMail(recipient="x@example.org", subject="s", body="b", created_at=FIXED_NOW, status=MailStatus.FAILED)
    db.session.add(mail)
    db.session.flush()
    assert login(admin).post(f"/admin/courriels/{mail.id}/renvoyer").status_code == 400
    assert mail.status == MailStatus.FAILED


def test_a_web_request_never_waits_on_smtp(client, db, factory, relay):
    """The relay is down: the reset form answers at once, the mail waits in the queue."""
    factory.user(UserRole.MEMBER, email="maire@plouzane.fr")
    response = client.post("/compte/mot-de-passe-oublie", data={"email": "maire@plouzane.fr"})
    assert response.status_code == 302
    mail = db.session.scalar(select(OutboxMail))
    assert (mail.status, mail.attempts) == (MailStatus.PENDING, 0)
    assert db.session.scalar(select(Task.status)) == TaskStatus.PENDING


def _invite_expert(app, admin) -> None:
    with app.test_request_context():  # the invitation link is built with url_for
        invite_user(
            email="expert@example.org",
            name="Yann Expert",
            role=UserRole.EXPERT,
            member_id=None,
            actor=admin,
            now=FIXED_NOW,
        )


def _csrf(client) -> str:
    page = client.get("/admin/courriels").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    return match.group(1) if match else ""


def test_in_production_the_outbox_shows_statuses_but_masks_account_links(app, db, factory, login, monkeypatch):
    monkeypatch.setitem(app.config, "EXPERTPOOL_ENV", "production")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    admin = factory.user(UserRole.ADMIN, member=None)
    _invite_expert(app, admin)
    page = html.unescape(login(admin).get("/admin/courriels").get_data(as_text=True))
    assert "En attente d'envoi" in page and "expert@example.org" in page
    assert "http://localhost/compte/invitation/[lien masqué]\n" in page
    assert re.search(r"/compte/invitation/[A-Za-z0-9]", page) is None
