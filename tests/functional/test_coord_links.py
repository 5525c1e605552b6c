"""One click from the coordinators' pages to an expert's agenda, and from a collision to moving the booking."""

from datetime import timedelta

import pytest
from flask import url_for

from expertpool.models import RequestStatus, UserRole
from expertpool.timeutil import today_paris


@pytest.fixture
def coordinator(factory, login):
    user = factory.user(role=UserRole.COORDINATOR)
    login(user)
    return user


def _agenda_urls(expert_id):
    return [
        url_for("agenda.week", expert_id=expert_id),
        url_for("agenda.month", expert_id=expert_id),
        url_for("agenda.week_pattern_page", expert_id=expert_id),
    ]


def test_experts_list_and_form_link_to_each_experts_agenda(app, client, factory, coordinator):
    anne = factory.expert("Anne Le Gall", roles=("dba",))
    yves = factory.expert("Yves Morvan", roles=("dsi",))
    with app.test_request_context():
        anne_urls, yves_urls = _agenda_urls(anne.id), _agenda_urls(yves.id)
    page = client.get("/coordination/experts").get_data(as_text=True)
    assert all(f'href="{u}"' in page for u in anne_urls + yves_urls)
    form = client.get(f"/coordination/experts/{anne.id}/modifier").get_data(as_text=True)
    assert all(f'href="{u}"' in form for u in anne_urls)
    # The links lead to pages a coordinator may open.
    assert all(client.get(u).status_code == 200 for u in anne_urls)


def test_home_collisions_link_to_moving_the_booking(app, client, factory, coordinator):
    expert = factory.expert("Anne Le Gall", roles=("dba",))
    day = today_paris() + timedelta(days=7)
    req = factory.request(status=RequestStatus.SCHEDULED, earliest=day, deadline=day + timedelta(days=30))
    booking = factory.booking(req, expert, day, "am")
    factory.unavailability(expert, day)
    page = client.get("/coordination/").get_data(as_text=True)
    with app.test_request_context():
        move_url = url_for("planning.move", booking_id=booking.id)
        flagged_url = url_for("planning.bookings", a_deplacer=1)
    assert f'href="{move_url}"' in page and f'href="{flagged_url}"' in page
    # The planning list of bookings to move shows the collision too, not only flagged bookings.
    assert move_url in client.get(flagged_url).get_data(as_text=True)
