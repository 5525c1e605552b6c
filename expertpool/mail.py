"""The one mail service: every mail is an outbox row with a status, delivered over SMTP by the task queue.

`send_mail` writes the row and a `mail.send` task in the caller's transaction (a rolled-back action
sends nothing, and a web request never waits on SMTP); the scheduler process drains the queue, retries
a relay that is down with backoff, and marks the mail failed with the error after the last attempt.
Without an SMTP server (development, tests) the mail is only kept here, for the outbox page.
"""

import logging
import re
import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from expertpool import audit
from expertpool.extensions import db
from expertpool.models import MailStatus, OutboxMail, User
from expertpool.tasks import enqueue, task_handler
from expertpool.timeutil import now_utc

log = logging.getLogger(__name__)

TASK_KIND = "mail.send"
STATUS_LABELS = {
    MailStatus.PENDING: _l("En attente d'envoi"),
    MailStatus.SENT: _l("Envoyé"),
    MailStatus.FAILED: _l("Échec de l'envoi"),
    MailStatus.LOCAL: _l("Gardé ici (pas de serveur d'envoi)"),
}
SMTP_TIMEOUT_SECONDS = 20


def send_mail(recipient: str, subject: str, body: str, *, now: datetime | None = None, kind: str = "") -> OutboxMail:
    """Keep the mail in the outbox and, when SMTP is configured, enqueue its delivery (same transaction).

    Prefer `send_template_mail`: it writes the mail in the recipient's language."""
    now = now or now_utc()
    queued = bool(current_app.config.get("MAIL_SERVER"))
    mail = OutboxMail(
        recipient=recipient,
        kind=kind,
        subject=subject,
        body=body,
        created_at=now,
        status=MailStatus.PENDING if queued else MailStatus.LOCAL,
        attempts=0,
        error="",
    )
    db.session.add(mail)
    if queued:
        db.session.flush()  # the task names the mail by id
        enqueue(TASK_KIND, {"mail_id": mail.id}, now=now)
    else:
        log.info("mail to %s kept in the outbox (no SMTP server): %s", recipient, subject)
    return mail


def render_mail(kind: str, **params) -> tuple[str, str]:
    """(subject, body) of templates/mail/<kind>.txt in the current locale: its first line is the subject,
    the body follows the blank line after it."""
    # The bare template, without the pages' context processors: a mail leaves from requests, jobs and the CLI.
    text = current_app.jinja_env.get_template(f"mail/{kind}.txt").render(**params)
    subject, _, body = text.lstrip("\n").partition("\n\n")
    return subject.strip(), body.strip("\n") + "\n"


def send_template_mail(user: User, kind: str, *, now: datetime, **params) -> OutboxMail:
    """Mail `user` the template `kind`, written in the user's language."""
    with force_locale(user.locale or "fr"):
        subject, body = render_mail(kind, name=user.name, **params)
    return send_mail(user.email, subject, body, now=now, kind=kind)


_ACCOUNT_LINK = re.compile(r"(/compte/(?:invitation|reinitialiser)/)\S+")


def masked_body(body: str) -> str:
    """The body with the secret part of invitation and reset links hidden (the outbox page in production)."""
    masked = gettext("[lien masqué]")
    return _ACCOUNT_LINK.sub(lambda match: match.group(1) + masked, body)


def resend(mail: OutboxMail, *, actor: User, now: datetime) -> None:
    """Give a failed mail a new round of attempts (audited); only failed mails can be resent."""
    if mail.status != MailStatus.FAILED:
        raise ValueError(mail.status)
    before = audit.snapshot(mail, "status", "error")
    mail.status, mail.error = MailStatus.PENDING, ""
    enqueue(TASK_KIND, {"mail_id": mail.id}, now=now)
    audit.record(actor, "mail.resend", mail, now=now, before=before, after=audit.snapshot(mail, "status"))
    db.session.flush()


def _record_failure(payload: dict, *, error: str, final: bool, now: datetime) -> None:
    mail = db.session.get(OutboxMail, payload["mail_id"])
    if mail is None:
        return
    mail.attempts += 1
    mail.error = error
    if final:
        mail.status = MailStatus.FAILED


@task_handler(TASK_KIND, on_failure=_record_failure)
def deliver(payload: dict, *, now: datetime) -> None:
    """Hand one mail to SMTP; a mail sent already (or no longer pending) is left alone."""
    mail = db.session.get(OutboxMail, payload["mail_id"])
    if mail is None or mail.status != MailStatus.PENDING:
        return
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        raise RuntimeError("no SMTP server configured (EXPERTPOOL_MAIL_SERVER)")
    message = EmailMessage()
    message["From"] = cfg["MAIL_SENDER"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)
    mail.status, mail.sent_at, mail.error = MailStatus.SENT, now, ""
    mail.attempts += 1
