"""For a planned intervention the member sees how to reach the expert, as the expert chose; the expert
sets a work phone and that choice on their agenda, with French messages next to the fields."""

import html
from datetime import date

import pytest

from expertpool.extensions import db as _db
from expertpool.models import AuditLog, BookingStatus, ContactShown, RequestStatus, UserRole


@pytest.fixture
def planned(factory):
    """A member's scheduled request with one planned half-day by Soizic, whose account mail is known."""
    expert_user, expert = factory.expert_user(name="Soizic Guéguen")
    expert_user.email = "soizic.gueguen@pool.bzh"
    member_user = factory.user(name="Secrétaire de mairie")
    req = factory.request(member=member_user.member, status=RequestStatus.SCHEDULED, title="Sauvegardes")
    factory.booking(req, expert, date(2027, 3, 15), "am")
    return member_user, expert_user, expert, req


def contact_block(client, req) -> str:
    html = client.get(f"/demandes/{req.id}").text
    start = html.find("Pour joindre votre expert")
    return "" if start < 0 else html[start : html.index("</li>", html.index("<ul", start))]


@pytest.mark.parametrize(
    ("shown", "email_seen", "phone_seen"),
    [(ContactShown.EMAIL, True, False), (ContactShown.PHONE, False, True), (ContactShown.BOTH, True, True)],
)
def test_the_member_sees_the_contact_the_expert_chose(client, login, planned, shown, email_seen, phone_seen):
    member_user, _expert_user, expert, req = planned
    expert.work_phone, expert.contact_shown = "02 98 12 34 56", shown
    _db.session.flush()
    block = contact_block(login(member_user), req)
    assert "Soizic Guéguen" in block
    assert ('href="mailto:soizic.gueguen@pool.bzh"' in block) is email_seen
    assert ('href="tel:0298123456">02 98 12 34 56</a>' in block) is phone_seen


def test_no_contact_before_a_half_day_is_planned_or_once_it_must_be_moved(client, login, factory, planned):
    member_user, _expert_user, expert, req = planned
    booking = req.bookings[0]
    booking.to_reschedule = True
    _db.session.flush()
    assert contact_block(login(member_user), req) == ""
    booking.to_reschedule, booking.status = False, BookingStatus.CANCELLED
    _db.session.flush()
    assert contact_block(client, req) == ""


def test_the_expert_sets_a_phone_and_what_members_see(client, login, planned):
    member_user, expert_user, expert, req = planned
    page = login(expert_user).get(f"/agenda/experts/{expert.id}/coordonnees")
    assert page.status_code == 200 and "Coordonnées" in page.text
    response = client.post(
        f"/agenda/experts/{expert.id}/coordonnees", data={"work_phone": "02 98 12 34 56", "contact_shown": "both"}
    )
    assert response.status_code == 302
    assert (expert.work_phone, expert.contact_shown) == ("02 98 12 34 56", "both")
    audit = _db.session.query(AuditLog).filter_by(action="expert.contact").one()
    assert audit.after == {"work_phone": "02 98 12 34 56", "contact_shown": "both"}
    assert 'href="tel:0298123456"' in contact_block(login(member_user), req)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"work_phone": "appelez-moi", "contact_shown": "email"}, "Numéro de téléphone invalide"),
        ({"work_phone": "", "contact_shown": "phone"}, "Indiquez d'abord un téléphone professionnel."),
        ({"work_phone": "02 98 12 34 56", "contact_shown": "pigeon"}, "N'est pas un choix valide."),
        ({"work_phone": "0" * 41, "contact_shown": "email"}, "40 caractères au plus."),
    ],
)
def test_bad_contact_input_is_refused_next_to_the_field_and_changes_nothing(client, login, planned, data, message):
    _member_user, expert_user, expert, _req = planned
    response = login(expert_user).post(f"/agenda/experts/{expert.id}/coordonnees", data=data)
    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert 'class="invalid-feedback d-block"' in response.text
    _db.session.refresh(expert)
    assert (expert.work_phone, expert.contact_shown) == ("", "email")
    assert _db.session.query(AuditLog).filter_by(action="expert.contact").count() == 0


def test_another_expert_or_a_member_cannot_open_an_experts_contact_settings(client, login, factory, planned):
    member_user, _expert_user, expert, _req = planned
    other_user, _other = factory.expert_user(name="Autre")
    assert login(other_user).get(f"/agenda/experts/{expert.id}/coordonnees").status_code == 404
    post = client.post(f"/agenda/experts/{expert.id}/coordonnees", data={"work_phone": "", "contact_shown": "email"})
    assert post.status_code == 404
    assert login(member_user).get(f"/agenda/experts/{expert.id}/coordonnees").status_code in (403, 404)
    coordinator = factory.user(role=UserRole.COORDINATOR)
    assert login(coordinator).get(f"/agenda/experts/{expert.id}/coordonnees").status_code == 200


def test_the_page_reads_in_english(client, login, planned):
    member_user, expert_user, expert, req = planned
    expert_user.locale = "en"
    member_user.locale = "en"
    expert.work_phone, expert.contact_shown = "02 98 12 34 56", ContactShown.PHONE
    _db.session.flush()
    assert "Work phone" in login(expert_user).get(f"/agenda/experts/{expert.id}/coordonnees").text
    assert "To reach your expert" in login(member_user).get(f"/demandes/{req.id}").text
