"""Every mail and every notification, whole, in French and in English (one snapshot per kind per locale
in tests/snapshots/messages/). `EXPERTPOOL_UPDATE_SNAPSHOTS=1` rewrites the files: read the diff."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from factories import FIXED_NOW
from flask_babel import force_locale
from sqlalchemy import select

from expertpool.accounts import send_invitation
from expertpool.auth.services import send_failed_logins_warning, send_password_reset
from expertpool.models import Notification, OutboxMail, UserRole
from expertpool.notifications import KINDS, notification_text, notify

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots" / "messages"
UPDATE = os.environ.get("EXPERTPOOL_UPDATE_SNAPSHOTS") == "1"
# Interventions as slot_params writes them: a run of 8 half-days, and a single afternoon.
SLOTS = [
    {"first": "2027-01-18", "last": "2027-01-21", "count": 8, "half": "am", "expert": "Soizic Guéguen"},
    {"first": "2027-02-01", "last": "2027-02-01", "count": 1, "half": "pm", "expert": "Claire DBA"},
]
# To the expert, or when the sentence names the expert already: no name.
OWN_SLOTS = [{key: value for key, value in slot.items() if key != "expert"} for slot in SLOTS]
# Notifications stored before interventions hold half-days: they still read.
LEGACY_SLOTS = [["2027-01-18", "am"], ["2027-01-19", "pm"]]

# One example of the parameters of every kind (the variant with "over" has its own snapshot).
EXAMPLES = {
    "join_request": {"name": "Anne Le Gall", "email": "anne@plouzane.fr", "member": "Plouzané"},
    "join_request.staff": {"name": "Anne Le Gall", "email": "anne@plouzane.fr", "member": "Plouzané"},
    "booking.to_reschedule.member": {
        "title": "Migration PostgreSQL",
        "slots": [{"first": "2027-01-18", "last": "2027-01-18", "count": 2, "half": "am", "expert": "Claire DBA"}],
    },
    "request_submitted": {"member": "Plouzané", "title": "Migration PostgreSQL"},
    "request_cancelled": {"member": "Plouzané", "title": "Migration PostgreSQL"},
    "webhook_disabled": {"url": "https://glpi.example.fr/webhooks"},
    "request_message": {"member": "Plouzané", "title": "Migration PostgreSQL"},
    "request_answered": {"member": "Plouzané", "title": "Migration PostgreSQL"},
    "booking.to_reschedule": {"expert": "Claire DBA", "count": 3},
    "request_approved": {"title": "Migration PostgreSQL", "days": 6, "over": 0},
    "request_rejected": {"title": "Migration PostgreSQL", "reason": "Hors du périmètre du pool."},
    "request_needs_info": {"title": "Migration PostgreSQL", "message": "Quelle version utilisez-vous ?"},
    "request.scheduled": {"title": "Migration PostgreSQL", "slots": SLOTS},
    "booking.reminder": {"expert": "Claire DBA", "title": "Migration PostgreSQL", "slots": OWN_SLOTS},
    "request.rate": {"title": "Migration PostgreSQL"},
    "booking.moved": {"title": "Migration PostgreSQL", "slots": SLOTS[1:]},
    "booking.cancelled": {"title": "Migration PostgreSQL", "slots": SLOTS[1:]},
    "booking.assigned": {"slots": OWN_SLOTS},
    "booking_cancelled": {"member": "Plouzané", "title": "Migration PostgreSQL", "slots": OWN_SLOTS},
    "booking.reminder_expert": {"slots": OWN_SLOTS, "members": "Plouzané, Milizac"},
    "envelope_reviewed": {"epci": "Pays d'Iroise", "member": "Plouzané", "title": "Migration PostgreSQL"},
    "envelope_review_requested": {"member": "Plouzané", "title": "Migration PostgreSQL", "days": 5},
    "envelope_first_draw": {"member": "Plouzané", "period": "2027", "days": 3},
    "envelope_draw_approved": {"title": "Migration PostgreSQL", "days": 5},
    "envelope_draw_refused": {"title": "Migration PostgreSQL", "reason": "Budget épuisé.", "over": 5},
    "quote.to_accept": {"title": "Migration PostgreSQL", "over": 4, "amount": 72000},
    "quote.accepted": {"member": "Plouzané", "title": "Migration PostgreSQL", "over": 4, "amount": 72000},
    "quote.acknowledged": {"member": "Plouzané", "title": "Migration PostgreSQL", "over": 5, "amount": 90000},
}
VARIANTS = {
    "request.scheduled.legacy": ("request.scheduled", {"title": "Migration PostgreSQL", "slots": LEGACY_SLOTS}),
    "request_approved.over": ("request_approved", {"title": "Migration PostgreSQL", "days": 6, "over": 3}),
    "booking.to_reschedule.one": ("booking.to_reschedule", {"expert": "Claire DBA", "count": 1}),
    "request_approved.more_than_asked": (
        "request_approved",
        {"title": "Migration PostgreSQL", "days": 10, "over": 0, "asked": 4, "reason": "Audit complet demandé."},
    ),
    "request_approved.more_than_asked.over": (
        "request_approved",
        {"title": "Migration PostgreSQL", "days": 10, "over": 2, "asked": 4, "reason": "Audit complet demandé."},
    ),
}
CASES = {**{kind: (kind, params) for kind, params in EXAMPLES.items()}, **VARIANTS}
LINK = "/demandes/12"


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(KINDS)


def _check(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with EXPERTPOOL_UPDATE_SNAPSHOTS=1 and read it"
    assert text == path.read_text(encoding="utf-8")


def _whole_mail(mail: OutboxMail) -> str:
    return f"To: {mail.recipient}\nSubject: {mail.subject}\n\n{mail.body}"


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_notification_and_its_mail_whole(db, factory, case, locale):
    kind, params = CASES[case]
    user = factory.user(UserRole.MEMBER, email="anne@plouzane.fr", name="Anne Le Gall", locale=locale)
    note = notify(user, kind, params, now=FIXED_NOW, link=LINK)
    db.session.flush()
    with force_locale(locale):
        text = f"Notification: {notification_text(note)}\n"
    mail = db.session.scalar(select(OutboxMail))
    if KINDS[kind].mail_subject is None:
        assert mail is None  # staff notifications stay in the app
    else:
        text += "\n" + _whole_mail(mail)
    _check(f"{case}.{locale}", text)


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_invitation_and_reset_mails_whole(app, db, factory, locale):
    factory.settings(name="Pool numérique du Finistère")
    user = factory.user(UserRole.MEMBER, email="anne@plouzane.fr", name="Anne Le Gall", locale=locale)
    with app.test_request_context():
        send_invitation(user, now=FIXED_NOW)
        send_password_reset(user, now=FIXED_NOW)
    invitation, reset = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    for name, mail in (("invitation", invitation), ("password_reset", reset)):
        # The signed token changes with time: the snapshot keeps its place, not its value.
        _check(f"{name}.{locale}", re.sub(r"/(invitation|reinitialiser)/\S+", r"/\1/<token>", _whole_mail(mail)))


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_join_approved_mail_whole(app, db, factory, locale):
    from expertpool.mail import send_template_mail

    user = factory.user(UserRole.MEMBER, email="anne@plouzane.fr", name="Anne Le Gall", locale=locale)
    with app.test_request_context():
        send_template_mail(
            user, "join_approved", now=FIXED_NOW, member="Plouzané", link="http://localhost/compte/connexion"
        )
    _check(f"join_approved.{locale}", _whole_mail(db.session.scalars(select(OutboxMail)).one()))


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_failed_sign_ins_warning_mail_whole(app, db, factory, locale):
    user = factory.user(UserRole.MEMBER, email="anne@plouzane.fr", name="Anne Le Gall", locale=locale)
    with app.test_request_context():
        send_failed_logins_warning(user, 10, timedelta(minutes=15))
    _check(f"failed_logins.{locale}", _whole_mail(db.session.scalars(select(OutboxMail)).one()))


def test_an_english_user_reads_every_kind_in_english(db, factory):
    """Nothing French reaches an English reader: each sentence and subject differs from the French one."""
    for case, (kind, params) in CASES.items():
        with force_locale("fr"):
            french = KINDS[kind].text(params)
        with force_locale("en"):
            english = KINDS[kind].text(params)
        assert english != french and "« " not in english, case
        if KINDS[kind].mail_subject is not None:
            with force_locale("fr"):
                subject_fr = str(KINDS[kind].mail_subject)
            with force_locale("en"):
                assert str(KINDS[kind].mail_subject) != subject_fr, case


def test_a_notification_reads_in_english_once_its_user_switches(client, db, factory, login):
    user = factory.user(UserRole.MEMBER, locale="fr")
    notify(user, "request_rejected", EXAMPLES["request_rejected"], now=FIXED_NOW, link=LINK)
    login(user)
    french = client.get("/notifications").get_data(as_text=True)
    assert "Votre demande « Migration PostgreSQL » est refusée : Hors du périmètre du pool." in french
    user.locale = "en"
    db.session.flush()
    english = client.get("/notifications").get_data(as_text=True)
    assert "Your request “Migration PostgreSQL” has been rejected: Hors du périmètre du pool." in english


def test_an_old_notification_without_parameters_still_shows_its_text(client, db, factory, login):
    user = factory.user(UserRole.MEMBER)
    db.session.add(
        Notification(user_id=user.id, kind="request_approved", message="Texte d'avant", created_at=FIXED_NOW)
    )
    db.session.flush()
    page = login(user).get("/notifications").get_data(as_text=True)
    assert "Texte d&#39;avant" in page
