"""Issue 19, EPCI envelopes under the EPCI's control, through the pages: the EPCI caps each commune's draw
(the position, the check and the scheduler honour it), chooses to approve draws in its own queue before the
coordinator decides, and hears when a commune starts drawing on its envelope."""

import re
from datetime import date

import pytest
from factories import FIXED_NOW
from planning_helpers import small_pool
from sqlalchemy import select

from expertpool import quotas
from expertpool.coordination import queue as coordination_queue
from expertpool.envelope import views as envelope_views
from expertpool.models import (
    AuditLog,
    EnvelopeDraw,
    EnvelopeReview,
    InterventionRequest,
    Notification,
    OutboxMail,
    QuotaKind,
    RequestStatus,
    UserRole,
)
from expertpool.planning.service import solve_horizon
from expertpool.scheduling.problem_builder import envelope_shares, member_key

pytest_plugins = ["member_fixtures"]  # member_clock: the member views see FIXED_NOW


def plain(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").replace("&#39;", "'")
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def abers(factory, monkeypatch, member_clock):
    """An EPCI holding an envelope of 20 half-days; Tréglonou (own right 2) and Lannilis (own right 4)."""
    for module in (envelope_views, coordination_queue):
        monkeypatch.setattr(module, "now_utc", lambda: FIXED_NOW)
    factory.settings(unit_price_cents=18000, auto_approve_max_half_days=0)
    epci = factory.member("Pays des Abers", kind="epci", holds_envelope=True)
    commune = factory.member("Tréglonou", parent_id=epci.id)
    sibling = factory.member("Lannilis", parent_id=epci.id)
    other_epci = factory.member("Pays d'Iroise", kind="epci", holds_envelope=True)
    stranger = factory.member("Plouzané", parent_id=other_epci.id)
    period = factory.period(2027, half_days=0)
    factory.quota(commune, period, 2)
    factory.quota(sibling, period, 4)
    factory.quota(epci, period, 20, kind=QuotaKind.ENVELOPE)
    factory.quota(other_epci, period, 20, kind=QuotaKind.ENVELOPE)
    return {
        "epci": epci,
        "commune": commune,
        "sibling": sibling,
        "stranger": stranger,
        "period": period,
        "mayor": factory.user(member=commune, name="Maire de Tréglonou", email="maire@treglonou.example"),
        "epci_user": factory.user(member=epci, name="Agent de la CC", email="agent@abers.example"),
        "other_epci_user": factory.user(member=other_epci, name="Agent d'Iroise"),
        "coordinator": factory.user(role=UserRole.COORDINATOR, name="Claire Coord"),
    }


def _cap(client, commune, period, days):
    return client.post(
        f"/mon-espace/enveloppe/plafonds/{commune.id}",
        data={f"c{commune.id}-period": str(period.id), f"c{commune.id}-cap": days},
    )


def _form(role_id, **values):
    return {
        "title": "Refonte du site",
        "description": "Le site de la mairie.",
        "role": str(role_id),
        "preferred_expert": "",
        "days": "3",
        "earliest": "2027-02-01",
        "deadline": "2027-03-31",
        "urgency": "normal",
        "place": "remote",
        "address": "",
        "action": "submit",
        **values,
    }


# --- the cap ---------------------------------------------------------------------------------------


def test_the_epci_caps_a_commune_and_every_page_reads_the_cap(client, login, db, abers):
    commune, period = abers["commune"], abers["period"]
    login(abers["epci_user"])
    assert _cap(client, commune, period, "2").status_code == 303
    draw = db.session.scalar(select(EnvelopeDraw))
    assert (draw.member_id, draw.period_id, draw.cap_half_days) == (commune.id, period.id, 4)
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "envelope.cap"))
    assert audit.before == {"cap_half_days": None} and audit.after["cap_half_days"] == 4
    # The position: what Tréglonou can draw is min(envelope left 20, cap left 4).
    position = quotas.balance(commune.id, period)
    assert (position.envelope_cap, position.envelope_available) == (4, 4)
    space = client.get("/mon-espace/enveloppe").text
    row = re.search(rf'<tr data-commune="{commune.id}">.*?</tr>', space, re.S).group(0)
    assert '<td data-label="Plafond" data-col="cap">2 jours</td>' in row
    assert '<td data-label="Peut encore tirer" data-col="can-draw">2 jours</td>' in row
    home = client.get("/mon-espace").text
    row = re.search(r'<tr><th scope="row">Tréglonou</th>.*?</tr>', home, re.S).group(0)
    assert '<td data-col="cap">0 jour sur 2</td>' in row

    login(abers["mayor"])
    assert "l'enveloppe de votre intercommunalité offre encore 2 jours" in plain(client.get("/mon-espace").text)
    # 5 days: 1 on the own right, 2 on the envelope (the cap), 2 beyond both (billable).
    check = plain(client.get("/demandes/verifier-droit?jours=5&debut=2027-02-01").text)
    assert "2 jours seraient hors droit de tirage, facturés 720,00 € HT" in check
    assert "Avant cela, 2 jours seraient pris sur l'enveloppe" in check


def test_a_coordinator_sets_a_cap_too_and_an_empty_cap_removes_it(client, login, db, abers):
    commune, epci, period = abers["commune"], abers["epci"], abers["period"]
    login(abers["coordinator"])
    assert f'href="/coordination/membres/{epci.id}/enveloppe"' in client.get(f"/coordination/membres/{epci.id}").text
    page = client.get(f"/coordination/membres/{epci.id}/enveloppe")
    assert page.status_code == 200 and "Tréglonou" in page.text
    sent = client.post(
        f"/coordination/membres/{epci.id}/enveloppe/plafonds/{commune.id}",
        data={f"c{commune.id}-period": str(period.id), f"c{commune.id}-cap": "1,5"},
    )
    assert sent.status_code == 303
    assert quotas.balance(commune.id, period).envelope_cap == 3
    cleared = client.post(
        f"/coordination/membres/{epci.id}/enveloppe/plafonds/{commune.id}",
        data={f"c{commune.id}-period": str(period.id), f"c{commune.id}-cap": ""},
    )
    assert cleared.status_code == 303
    assert quotas.balance(commune.id, period).envelope_cap is None
    assert len(db.session.scalars(select(AuditLog).where(AuditLog.action == "envelope.cap")).all()) == 2


def test_bad_caps_are_refused_next_to_the_field_and_write_nothing(client, login, db, abers):
    commune, period = abers["commune"], abers["period"]
    login(abers["epci_user"])
    for text, message in (("beaucoup", "Indiquez un nombre de jours"), ("-1", "Au moins 0 jour"), ("0,3", "0,5")):
        refused = _cap(client, commune, period, text)
        assert refused.status_code == 400, text
        field = re.search(rf'id="c{commune.id}-cap-error"[^>]*>(.*?)</div>', refused.text, re.S)
        assert field is not None and message in plain(field.group(1)), text
    assert db.session.scalar(select(EnvelopeDraw)) is None


def test_only_the_epci_acts_on_its_own_communes(client, login, db, abers):
    commune, period = abers["commune"], abers["period"]
    login(abers["other_epci_user"])
    assert _cap(client, commune, period, "2").status_code == 404  # another EPCI's commune
    login(abers["epci_user"])
    assert _cap(client, abers["stranger"], period, "2").status_code == 404
    login(abers["mayor"])  # a commune user reaches none of the EPCI's pages
    assert client.get("/mon-espace/enveloppe").status_code == 404
    assert client.get("/mon-espace/enveloppe/a-valider").status_code == 404
    assert _cap(client, commune, period, "2").status_code == 404
    assert db.session.scalar(select(EnvelopeDraw)) is None


def test_the_scheduler_gives_a_capped_commune_no_more_of_the_envelope_than_its_cap(db, factory):
    # A's own right (2) is used; its EPCI's envelope holds 8 but caps A at 3: A's right in the engine
    # is 2 + 3, and the sibling-free envelope share above the cap is not given.
    pool = small_pool(factory, half_days=(10, 10), quotas=(2, 10))
    epci = factory.member("CC du Pays d'Iroise", kind="epci", holds_envelope=True)
    factory.quota(epci, pool.period, 8, kind=QuotaKind.ENVELOPE)
    pool.member_a.parent_id = epci.id
    db.session.add(EnvelopeDraw(period_id=pool.period.id, member_id=pool.member_a.id, cap_half_days=3))
    db.session.flush()
    members = {m.id: m for m in solve_horizon(now=FIXED_NOW).segments[0].problem.members}
    assert members[member_key(pool.member_a.id)].quota == 5


@pytest.mark.parametrize(
    ("needs", "remaining", "limits", "expected"),
    [
        ({1: 5, 2: 3}, 6, {1: 1}, {1: 1, 2: 5}),  # what the capped commune cannot take goes to its sibling
        ({1: 5, 2: 3}, 6, {1: 0}, {2: 6}),
        ({1: 4, 2: 4}, 6, {1: 2, 2: 2}, {1: 2, 2: 2}),  # both capped: the rest of the envelope stays
        ({1: 4, 2: 4}, 6, {}, {1: 3, 2: 3}),
    ],
)
def test_envelope_shares_never_exceed_a_commune_s_cap(needs, remaining, limits, expected):
    shares = envelope_shares(needs, remaining, limits)
    assert shares == expected
    assert sum(shares.values()) <= remaining


# --- the EPCI's approval of draws -----------------------------------------------------------------


def _require_approval(client, login, abers):
    login(abers["epci_user"])
    assert client.post("/mon-espace/enveloppe/validation", data={"required": "y"}).status_code == 303


def _send(client, login, db, factory, abers, days="3", **values):
    login(abers["mayor"])
    assert client.post("/demandes/nouvelle", data=_form(factory.role("dba").id, days=days, **values)).status_code == 302
    return db.session.scalars(select(InterventionRequest).order_by(InterventionRequest.id.desc())).first()


def test_a_draw_waits_for_the_epci_then_the_coordinator_decides(client, login, db, factory, abers):
    _require_approval(client, login, abers)
    assert abers["epci"].envelope_draws_need_approval is True
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "envelope.approval_setting")) is not None
    req = _send(client, login, db, factory, abers)  # 6 half-days: 2 own, 4 from the envelope
    assert (req.status, req.envelope_review) == (RequestStatus.SUBMITTED, EnvelopeReview.PENDING)
    note = db.session.scalar(select(Notification).where(Notification.kind == "envelope_review_requested"))
    assert note.user_id == abers["epci_user"].id and note.params["days"] == 4
    page = plain(client.get(f"/demandes/{req.id}").text)
    assert "attend la validation de votre intercommunalité" in page

    login(abers["coordinator"])
    detail = client.get(f"/coordination/demandes/{req.id}").text
    assert "data-awaiting-epci" in detail and "Accepter la demande" not in detail
    assert "À valider par l'EPCI" in client.get("/coordination/demandes").text.replace("&#39;", "'")
    early = client.post(f"/coordination/demandes/{req.id}/accepter", data={"days": "3"})
    assert early.status_code == 409 and "attend la validation de l" in early.text
    db.session.refresh(req)
    assert req.status == RequestStatus.SUBMITTED

    login(abers["epci_user"])
    queue_page = plain(client.get("/mon-espace/enveloppe/a-valider").text)
    assert "Tréglonou — Refonte du site" in queue_page
    assert "1 jour sur le droit propre de la commune, 2 jours sur votre enveloppe" in queue_page
    assert "1 tirage en attente" in plain(client.get("/mon-espace").text)
    assert client.post(f"/mon-espace/enveloppe/a-valider/{req.id}/accepter").status_code == 303
    db.session.refresh(req)
    assert req.envelope_review == EnvelopeReview.APPROVED and req.envelope_reviewed_by_id == abers["epci_user"].id
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "request.envelope_review")).after[
        "envelope_review"
    ] == ("approved")

    login(abers["coordinator"])
    assert client.post(f"/coordination/demandes/{req.id}/accepter", data={"days": "3"}).status_code == 303
    db.session.refresh(req)
    assert (req.status, req.over_quota_half_days) == (RequestStatus.APPROVED, 0)


def test_a_refused_draw_is_over_quota_for_the_commune_who_is_told(client, login, db, factory, abers):
    _require_approval(client, login, abers)
    req = _send(client, login, db, factory, abers, accept_quote="y")
    login(abers["epci_user"])
    missing = client.post(f"/mon-espace/enveloppe/a-valider/{req.id}/refuser", data={f"r{req.id}-reason": " "})
    assert missing.status_code == 400 and "Le motif du refus est obligatoire." in missing.text
    db.session.refresh(req)
    assert req.envelope_review == EnvelopeReview.PENDING
    refused = client.post(
        f"/mon-espace/enveloppe/a-valider/{req.id}/refuser", data={f"r{req.id}-reason": "Budget de l'année épuisé."}
    )
    assert refused.status_code == 303
    db.session.refresh(req)
    assert (req.envelope_review, req.envelope_review_reason) == (EnvelopeReview.REFUSED, "Budget de l'année épuisé.")
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == "maire@treglonou.example"))
    assert (
        "Votre intercommunalité refuse que « Refonte du site » soit pris sur son enveloppe : la part au-delà de "
        "votre droit de tirage (2 jours) sera hors droit de tirage, facturable. Motif : Budget de l'année épuisé."
    ) in " ".join(mail.body.split())
    # The position: the 4 half-days beyond the own right are over quota, the envelope gives nothing.
    split = quotas.judge_request(req, now=FIXED_NOW)
    assert (split.own, split.envelope, split.over) == (2, 0, 4)

    login(abers["mayor"])
    page = plain(client.get(f"/demandes/{req.id}").text)
    assert "Motif : Budget de l'année épuisé." in page
    assert "Votre intercommunalité a refusé le tirage sur son enveloppe : la part au-delà" in page
    assert "Hors droit : 2 jours" in page
    login(abers["coordinator"])
    assert client.post(f"/coordination/demandes/{req.id}/accepter", data={"days": "3"}).status_code == 303
    db.session.refresh(req)
    assert req.over_quota_half_days == 4
    # Once booked, its half-days beyond the own right stay off the envelope: over quota, billable.
    _user, expert = factory.expert_user("Alice Martin", roles=("dba",))
    for day in (date(2027, 2, 1), date(2027, 2, 2), date(2027, 2, 3)):
        for half in ("am", "pm"):
            factory.booking(req, expert, day, half)
    req.status = RequestStatus.SCHEDULED
    db.session.flush()
    position = quotas.balance(abers["commune"].id, abers["period"])
    assert position.planned_split == quotas.Split(own=2, envelope=0, over=4)
    assert (position.from_envelope, position.over_quota, position.envelope_available) == (0, 4, 20)


def test_without_the_epci_s_approval_setting_nothing_waits(client, login, db, factory, abers):
    req = _send(client, login, db, factory, abers)
    assert req.envelope_review is None
    within = _send(client, login, db, factory, abers, days="0,5")  # after the first, nothing of the own right left
    assert within.envelope_review is None


def test_turning_approval_off_releases_the_draws_waiting_for_the_epci(client, login, db, factory, abers):
    _require_approval(client, login, abers)
    req = _send(client, login, db, factory, abers)
    assert req.envelope_review == EnvelopeReview.PENDING
    login(abers["epci_user"])
    assert client.post("/mon-espace/enveloppe/validation", data={}).status_code == 303
    db.session.refresh(req)
    assert req.envelope_review is None and abers["epci"].envelope_draws_need_approval is False
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "envelope.approval_setting").order_by(AuditLog.id)
    ).all()[-1]
    assert audit.after == {"envelope_draws_need_approval": False, "released_requests": [req.id]}
    login(abers["coordinator"])
    assert client.post(f"/coordination/demandes/{req.id}/accepter", data={"days": "3"}).status_code == 303


def test_a_critical_request_never_waits_for_the_epci(client, login, db, factory, abers):
    _require_approval(client, login, abers)
    req = _send(client, login, db, factory, abers, urgency="critical")
    assert req.envelope_review is None


def test_an_epci_user_reviews_only_its_communes_requests(client, login, db, factory, abers):
    _require_approval(client, login, abers)
    req = _send(client, login, db, factory, abers)
    login(abers["other_epci_user"])
    assert client.post(f"/mon-espace/enveloppe/a-valider/{req.id}/accepter").status_code == 404
    assert "Refonte du site" not in client.get("/mon-espace/enveloppe/a-valider").text
    login(abers["mayor"])
    assert client.post(f"/mon-espace/enveloppe/a-valider/{req.id}/accepter").status_code == 404
    db.session.refresh(req)
    assert req.envelope_review == EnvelopeReview.PENDING


# --- the first draw of a period -------------------------------------------------------------------


def test_the_epci_hears_once_when_a_commune_starts_drawing(client, login, db, factory, abers):
    commune = abers["commune"]
    first = factory.request(commune, half_days=4, created_by=abers["mayor"], earliest=date(2027, 2, 1))
    second = factory.request(commune, half_days=2, created_by=abers["mayor"], earliest=date(2027, 2, 1))
    login(abers["coordinator"])
    assert client.post(f"/coordination/demandes/{first.id}/accepter", data={"days": "2"}).status_code == 303
    notes = db.session.scalars(select(Notification).where(Notification.kind == "envelope_first_draw")).all()
    assert [(n.user_id, n.params) for n in notes] == [
        (abers["epci_user"].id, {"member": "Tréglonou", "period": "2027", "days": 2})
    ]
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == "agent@abers.example"))
    assert "Tréglonou commence à tirer sur l'enveloppe de votre intercommunalité (2027) : 1 jour." in mail.body
    assert client.post(f"/coordination/demandes/{second.id}/accepter", data={"days": "1"}).status_code == 303
    assert len(db.session.scalars(select(Notification).where(Notification.kind == "envelope_first_draw")).all()) == 1


def test_the_epci_pages_in_english(client, login, db, factory, abers):
    abers["epci_user"].locale = "en"
    db.session.flush()
    login(abers["epci_user"])
    page = plain(client.get("/mon-espace/enveloppe").text)
    assert "Each commune's draw" in page and "no cap" in page
    assert "No draw to approve for now." in plain(client.get("/mon-espace/enveloppe/a-valider").text)
