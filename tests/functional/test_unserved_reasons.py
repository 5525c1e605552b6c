"""The engine's unserved reasons reach each reader in their language, written for them (member or
coordinator), from the code and parameters stored on the request or in the run's plan."""

from datetime import date

import pytest
from flask_babel import force_locale

from expertpool.allocation import explain
from expertpool.models import AllocationRun, RequestStatus, UserRole
from expertpool.unserved_reasons import COORDINATOR, MEMBER, unserved_sentence

PARAMS = {"role": "dba", "skills": [], "earliest": "2027-02-01", "deadline": "2027-02-26", "half_days": 4}


def _unserved_request(factory, member, **values):
    return factory.request(
        member,
        status=RequestStatus.APPROVED,
        unserved_reason=explain.NO_ELIGIBLE_EXPERT_FREE,
        unserved_params=PARAMS,
        **values,
    )


def test_member_reads_the_member_sentence_in_french_then_in_english(client, login, db, factory):
    user = factory.user()
    req = _unserved_request(factory, user.member, created_by=user)
    login(user)
    page = client.get(f"/demandes/{req.id}").text
    assert "Aucun DBA n&#39;est disponible avant votre échéance du 26 février." in page
    user.locale = "en"
    db.session.commit()
    page = client.get(f"/demandes/{req.id}").text
    assert "No DBA is available before your deadline of 26 February." in page
    assert "Aucun" not in page


def test_coordinator_reads_the_coordinator_sentence_not_the_members(client, login, db, factory):
    coordinator = factory.user(role=UserRole.COORDINATOR)
    req = _unserved_request(factory, factory.member(), skills=("postgresql",))
    req.unserved_params = {**PARAMS, "skills": ["postgresql"]}
    db.session.commit()
    login(coordinator)
    page = client.get(f"/coordination/demandes/{req.id}").text
    assert "Aucun DBA maîtrisant postgresql libre dans la fenêtre de la demande (échéance 26 février)." in page
    assert "votre échéance" not in page


def test_a_row_written_before_the_codes_keeps_its_stored_text(client, login, db, factory):
    user = factory.user()
    req = factory.request(
        user.member,
        status=RequestStatus.APPROVED,
        created_by=user,
        unserved_reason=explain.NO_ELIGIBLE_EXPERT_FREE,
        unserved_message="Aucun DBA n'est libre avant votre date limite.",
    )
    login(user)
    assert "Aucun DBA n&#39;est libre avant votre date limite." in client.get(f"/demandes/{req.id}").text


def test_run_page_renders_plan_2_codes_and_plan_1_messages_for_the_coordinator(client, login, db, factory):
    coordinator = factory.user(role=UserRole.COORDINATOR)
    first = factory.request(factory.member("Plouzané"), status=RequestStatus.APPROVED, title="Sauvegardes")
    second = factory.request(factory.member("Brest"), status=RequestStatus.APPROVED, title="Migration")
    params = {"role": "dba", "deadline": "2027-03-01"}
    runs = []
    for document in (
        {
            "format": "expertpool-plan/2",
            "assignments": [],
            "unserved": [
                {"request": f"r-{first.id}", "half_days": 3, "reason": explain.CAPACITY_SHARED_FAIRLY, "params": params}
            ],
        },
        {
            "format": "expertpool-plan/1",
            "assignments": [],
            "unserved": [
                {
                    "request": f"r-{second.id}",
                    "half_days": 2,
                    "reason": explain.CAPACITY_SHARED_FAIRLY,
                    "message": "Le pool est complet : 2 demi-journées restent à planifier.",
                }
            ],
        },
    ):
        run = AllocationRun(
            mode="preview",
            status="done",
            horizon_start=date(2027, 1, 4),
            horizon_end=date(2027, 3, 26),
            plan=document,
            metrics={},
        )
        db.session.add(run)
        runs.append(run)
    db.session.commit()
    login(coordinator)
    page = client.get(f"/planification/passages/{runs[0].id}").text
    assert (
        "Capacité de DBA saturée avant l&#39;échéance (1er mars), partagée entre les membres au même niveau "
        "de droit de tirage ; reste 1,5 jour." in page
    )
    page = client.get(f"/planification/passages/{runs[1].id}").text
    assert "Le pool est complet : 2 demi-journées restent à planifier." in page


@pytest.mark.parametrize("reason", explain.REASONS)
@pytest.mark.parametrize("audience", [MEMBER, COORDINATOR])
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_every_reason_has_a_sentence_for_each_reader_in_each_language(app, reason, audience, locale):
    facts = {
        "role": "dba",
        "skills": ["oracle", "postgresql"],
        "earliest": "2027-02-01",
        "deadline": "2027-02-26",
        "horizon_start": "2027-01-04",
        "horizon_end": "2027-03-26",
        "accepted_billable": 2,
    }
    params = {name: facts[name] for name in explain.REASON_PARAMS[reason]}
    with app.test_request_context(), force_locale(locale):
        text = unserved_sentence(reason, params, 3, audience=audience, role_label="DBA")
        fallback = unserved_sentence(reason, None, 3, audience=audience)
    assert "%(" not in text and text != fallback
    if "role" in params:
        assert "DBA" in text
    if "deadline" in params:
        assert ("26 février" if locale == "fr" else "26 February") in text
    french_words = ("Aucun", "échéance", "reste", "planifi")
    if locale == "en":
        assert not any(word in text for word in french_words), text
