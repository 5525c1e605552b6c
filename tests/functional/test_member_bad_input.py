"""Bad input on the request form and the request's page: a French message next to the field, status
400, nothing written; text is always rendered escaped."""

from datetime import date

import pytest
from member_support import request_form, row_counts
from sqlalchemy import select

from expertpool.models import InterventionRequest, RequestStatus

SCRIPT = '<script>alert("x")</script><b onmouseover="x">gras</b>'

pytest_plugins = ["member_fixtures"]  # the member_pool and member_clock fixtures


def _error_of(html: str, field_id: str) -> str:
    """The text of the error shown next to `field_id` (the macro's <div id="<field>-error">)."""
    marker = f'id="{field_id}-error"'
    assert marker in html, f"no error next to {field_id}"
    start = html.index(">", html.index(marker)) + 1
    return html[start : html.index("</div>", start)]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"earliest": "2027-03-10", "deadline": "2027-03-01"}, "deadline", "postérieure ou égale"),
        ({"earliest": "2027-01-04", "deadline": "2027-01-08"}, "deadline", "passé"),
        ({"earliest": "2027-01-04"}, "earliest", "passé"),
        ({"earliest": "pas une date"}, "earliest", "Date invalide"),
        ({"deadline": "2031-01-01"}, "deadline", "deux ans"),
        ({"days": "0"}, "days", "entre 0,5 et 60 jours"),
        ({"days": "0,3"}, "days", "entre 0,5 et 60 jours"),
        ({"days": "0.3"}, "days", "entre 0,5 et 60 jours"),
        ({"days": "61"}, "days", "entre 0,5 et 60 jours"),
        ({"days": "1e9"}, "days", "entre 0,5 et 60 jours"),
        ({"days": "NaN"}, "days", "entre 0,5 et 60 jours"),
        ({"days": "Infinity"}, "days", "entre 0,5 et 60 jours"),
        ({"days": "-2"}, "days", "entre 0,5 et 60 jours"),
        ({"days": "deux"}, "days", "entre 0,5 et 60 jours"),
        ({"days": ""}, "days", "Indiquez le nombre de jours"),
        ({"title": "x" * 10_000}, "title", "200 caractères au plus"),
        ({"title": "   "}, "title", "Donnez un titre"),
        ({"description": "y" * 5001}, "description", "5000 caractères au plus"),
        ({"address": "z" * 501}, "address", "500 caractères au plus"),
        ({"address": ""}, "address", "Indiquez l'adresse"),
        ({"role": "", "preferred_expert": ""}, "role", "Choisissez un rôle, ou un expert précis"),
        ({"role": "999999"}, "role", "Choisissez un rôle de la liste"),
        ({"preferred_expert": "999999"}, "preferred_expert", "Choisissez un expert de la liste"),
        ({"skills": ["999999"]}, "skills", "Choisissez des compétences de la liste"),
        ({"urgency": "apocalypse"}, "urgency", ""),
    ],
)
@pytest.mark.parametrize("action", ["draft", "submit", "preview"])
def test_bad_request_form_is_refused_next_to_the_field(
    client, login, db, member_pool, member_clock, overrides, field, message, action
):
    login(member_pool.user)
    data = request_form(**{"role": str(member_pool.dba.roles[0].id), "action": action, **overrides})
    before = row_counts(db)
    response = client.post("/demandes/nouvelle", data=data)
    assert response.status_code == 400
    assert message in _error_of(response.text, field)
    assert "Le formulaire contient des erreurs" in response.text
    assert row_counts(db) == before


def test_preferred_expert_without_the_role_is_refused(client, login, db, member_pool, member_clock):
    login(member_pool.user)
    before = row_counts(db)
    dsi_role = member_pool.dsi.roles[0].id
    response = client.post(
        "/demandes/nouvelle",
        data=request_form(role=str(dsi_role), preferred_expert=str(member_pool.dba.id), action="submit"),
    )
    assert response.status_code == 400
    assert "Alice Martin n&#39;a pas le rôle « DSI »" in _error_of(response.text, "preferred_expert")
    assert row_counts(db) == before


def test_expert_alone_gives_the_role(client, login, db, member_pool, member_clock):
    login(member_pool.user)
    response = client.post("/demandes/nouvelle", data=request_form(preferred_expert=str(member_pool.dsi.id)))
    assert response.status_code == 302
    req = db.session.scalar(select(InterventionRequest))
    assert req.role_id == member_pool.dsi.roles[0].id and req.status == RequestStatus.DRAFT


@pytest.mark.parametrize(("days", "half_days"), [("0,5", 1), ("2,5", 5), ("2.5", 5), (" 60 ", 120), ("1", 2)])
def test_days_accept_comma_and_dot(client, login, db, member_pool, member_clock, days, half_days):
    login(member_pool.user)
    # A window wide enough for 60 days (the form refuses more days than the window's working days).
    data = request_form(role=str(member_pool.dba.roles[0].id), days=days, deadline="2027-06-30")
    response = client.post("/demandes/nouvelle", data=data)
    assert response.status_code == 302
    assert db.session.scalar(select(InterventionRequest.half_days)) == half_days


def test_html_in_every_text_field_is_rendered_escaped(client, login, db, factory, member_pool, member_clock):
    login(member_pool.user)
    response = client.post(
        "/demandes/nouvelle",
        data=request_form(
            role=str(member_pool.dba.roles[0].id), title=SCRIPT, description=SCRIPT, address=SCRIPT, action="submit"
        ),
    )
    assert response.status_code == 302
    req = db.session.scalar(select(InterventionRequest))
    assert req.title == SCRIPT  # stored as typed, escaped when shown
    assert client.post(f"/demandes/{req.id}/messages", data={"body": SCRIPT}).status_code == 302
    pages = [
        client.get(f"/demandes/{req.id}"),
        client.get("/demandes"),
        client.get("/mon-espace"),
        client.get(f"/demandes/{req.id}/modifier"),
    ]
    # The form re-rendered after an error shows the typed text escaped too.
    pages.append(
        client.post("/demandes/nouvelle", data=request_form(title=SCRIPT, description=SCRIPT, address=SCRIPT, days="0"))
    )
    done = factory.request(member=member_pool.member, status=RequestStatus.COMPLETED, created_by=member_pool.user)
    assert client.post(f"/demandes/{done.id}/evaluer", data={"rating": "4", "comment": SCRIPT}).status_code == 302
    pages.append(client.get(f"/demandes/{done.id}"))
    to_cancel = factory.request(member=member_pool.member, status=RequestStatus.SUBMITTED, created_by=member_pool.user)
    assert client.post(f"/demandes/{to_cancel.id}/annuler", data={"reason": SCRIPT}).status_code == 302
    pages.append(client.get(f"/demandes/{to_cancel.id}"))
    assert "&lt;script&gt;alert" in pages[-1].text
    for page in pages:
        assert "<script>alert" not in page.text
        assert "<b onmouseover" not in page.text
    assert "&lt;script&gt;alert" in pages[0].text


def test_bad_message_rating_and_cancel_reason(client, login, db, factory, member_pool, member_clock):
    login(member_pool.user)
    req = factory.request(member=member_pool.member, status=RequestStatus.COMPLETED, created_by=member_pool.user)
    before = row_counts(db)
    for data in ({"rating": "0"}, {"rating": "6"}, {"rating": "abc"}, {}, {"rating": "3", "comment": "c" * 2001}):
        response = client.post(f"/demandes/{req.id}/evaluer", data=data)
        assert response.status_code == 400
    assert "Choisissez une note de 1 à 5" in client.post(f"/demandes/{req.id}/evaluer", data={}).text
    for body in ("", "   ", "m" * 5001):
        assert client.post(f"/demandes/{req.id}/messages", data={"body": body}).status_code == 400
    open_req = factory.request(member=member_pool.member, status=RequestStatus.SUBMITTED, created_by=member_pool.user)
    before = row_counts(db)
    response = client.post(f"/demandes/{open_req.id}/annuler", data={"reason": "r" * 1001})
    assert response.status_code == 400
    assert "1000 caractères au plus" in _error_of(response.text, "reason")
    assert row_counts(db) == before
    db.session.refresh(req)
    assert req.status == RequestStatus.COMPLETED and req.rating is None


def test_editing_keeps_a_past_start_date_but_refuses_a_new_past_one(
    client, login, db, factory, member_pool, member_clock
):
    login(member_pool.user)
    req = factory.request(
        member=member_pool.member,
        status=RequestStatus.SUBMITTED,
        created_by=member_pool.user,
        earliest=date(2027, 1, 4),
        deadline=date(2027, 2, 26),
        role="dba",
    )
    data = request_form(
        role=str(req.role_id), earliest="2027-01-04", deadline="2027-02-26", action="save", title="Titre corrigé"
    )
    assert client.post(f"/demandes/{req.id}/modifier", data=data).status_code == 302
    db.session.refresh(req)
    assert req.title == "Titre corrigé" and req.status == RequestStatus.SUBMITTED
    moved = client.post(f"/demandes/{req.id}/modifier", data={**data, "earliest": "2027-01-05"})
    assert moved.status_code == 400


def test_state_rules_are_enforced_by_the_views(client, login, db, factory, member_pool, member_clock):
    login(member_pool.user)
    approved = factory.request(member=member_pool.member, status=RequestStatus.APPROVED, created_by=member_pool.user)
    started = factory.request(
        member=member_pool.member,
        status=RequestStatus.SCHEDULED,
        created_by=member_pool.user,
        earliest=date(2027, 1, 4),
    )
    factory.booking(started, member_pool.dba, date(2027, 1, 11), "am")
    db.session.commit()  # the views roll back their session on refusal: keep the set-up (test transaction)
    before = row_counts(db)
    # An approved request cannot be edited any more.
    response = client.post(
        f"/demandes/{approved.id}/modifier",
        data=request_form(role=str(approved.role_id), title="Changé", action="save"),
    )
    assert response.status_code == 302
    assert client.get(f"/demandes/{approved.id}/modifier").status_code == 302
    # A request whose first half-day is today cannot be cancelled; a scheduled one cannot be rated.
    assert client.post(f"/demandes/{started.id}/annuler", data={}).status_code == 302
    assert client.post(f"/demandes/{started.id}/evaluer", data={"rating": "5"}).status_code == 302
    page = client.get(f"/demandes/{started.id}").text
    assert "ne peut plus être annulée" in page and "ne peut pas (ou plus) être évaluée" in page
    assert "Annuler la demande" not in page and "Évaluer l&#39;intervention" not in page
    assert row_counts(db) == before
    db.session.refresh(approved)
    db.session.refresh(started)
    assert approved.title != "Changé" and started.status == RequestStatus.SCHEDULED


def test_a_concurrent_change_gives_a_french_message_not_an_error(
    client, login, db, factory, member_pool, member_clock, monkeypatch
):
    from sqlalchemy.orm.exc import StaleDataError

    login(member_pool.user)
    req = factory.request(member=member_pool.member, status=RequestStatus.SUBMITTED, created_by=member_pool.user)
    db.session.commit()  # the view rolls its session back: keep the set-up (inside the test transaction)

    def conflict(*_args, **_kwargs):
        raise StaleDataError("changed meanwhile")

    monkeypatch.setattr("expertpool.requests.services.update_request", conflict)
    response = client.post(
        f"/demandes/{req.id}/modifier", data=request_form(role=str(req.role_id), action="save"), follow_redirects=True
    )
    assert response.status_code == 200
    assert "modifiée entre-temps" in response.text


def test_a_choice_removed_meanwhile_gives_a_french_message(client, login, db, member_pool, member_clock, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    login(member_pool.user)
    db.session.commit()  # the view rolls its session back: keep the set-up (inside the test transaction)
    before = row_counts(db)

    def removed(*_args, **_kwargs):
        raise IntegrityError("INSERT", {}, Exception("foreign key"))

    monkeypatch.setattr("expertpool.requests.services.create_request", removed)
    response = client.post("/demandes/nouvelle", data=request_form(role=str(member_pool.dba.roles[0].id)))
    assert response.status_code == 400
    assert "n&#39;existe plus" in response.text
    assert row_counts(db) == before
