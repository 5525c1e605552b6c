"""The one mail service: every mail is kept in the outbox; SMTP sends it when a server is configured.

Delivery happens after the surrounding transaction commits, so a rolled-back action sends nothing.
"""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from expertpool.extensions import db
from expertpool.models import OutboxMail
from expertpool.timeutil import now_utc

log = logging.getLogger(__name__)
_PENDING_KEY = "expertpool_pending_mail"


def send_mail(recipient: str, subject: str, body: str) -> OutboxMail:
    """Queue a mail in the outbox (same transaction as the caller); SMTP delivery follows the commit."""
    mail = OutboxMail(recipient=recipient, subject=subject, body=body, created_at=now_utc())
    db.session.add(mail)
    if current_app.config.get("MAIL_SERVER"):
        smtp_settings = {
            k: current_app.config.get(k)
            for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS", "MAIL_SENDER")
        }
        db.session.info.setdefault(_PENDING_KEY, []).append((smtp_settings, recipient, subject, body))
    else:
        log.info("mail to %s: %s", recipient, subject)
    return mail


def _deliver(cfg: dict, recipient: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = cfg["MAIL_SENDER"]
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20) as smtp:
        if cfg.get("MAIL_USE_TLS"):
            smtp.starttls()
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session) -> None:
    for cfg, recipient, subject, body in session.info.pop(_PENDING_KEY, []):
        try:
            _deliver(cfg, recipient, subject, body)
        except (OSError, smtplib.SMTPException) as exc:  # the outbox row keeps the mail for a resend
            log.warning("mail to %s not sent: %s", recipient, exc)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(_PENDING_KEY, None)
