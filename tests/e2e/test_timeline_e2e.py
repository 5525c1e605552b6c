"""Issue 15: the coordinator moves bookings on the timeline by drag and drop and by keyboard; a refused move
(a taken half-day, a date outside the request's window) shows a French message and changes nothing; axe-core
finds no serious violation; at 360 px the page does not scroll sideways (the grid scrolls in its box).

The live server runs on the real clock: the dates are the weeks after the next Monday."""

from datetime import date, timedelta

import pytest
from factories import KNOWN_PASSWORD, Factory

from expertpool.auth.services import hash_password
from expertpool.extensions import db as _db
from expertpool.models import Booking, RequestStatus, UserRole
from expertpool.timeutil import now_utc, today_paris

pytestmark = pytest.mark.e2e

COORDINATOR = "coord@timeline.example"


@pytest.fixture(scope="module")
def world(live_app):
    today = today_paris(now_utc())
    monday = today + timedelta(days=7 - today.weekday() + 7)  # a full week ahead: every half-day is movable
    with live_app.app_context(), live_app.test_request_context():
        factory = Factory(_db.session)
        factory.settings(holidays_region="metropole")
        plouzane, locmaria = factory.member("Commune de Plouzané"), factory.member("Commune de Locmaria")
        for year in {monday.year, (monday + timedelta(days=14)).year}:
            factory.period(year, members=[plouzane, locmaria], half_days=40)
        coordinator = factory.user(role=UserRole.COORDINATOR, email=COORDINATOR, name="Coordinatrice")
        coordinator.password_hash = hash_password(KNOWN_PASSWORD)
        _user, soizic = factory.expert_user("Soizic Guéguen", roles=("dba",))
        factory.expert_user("Bruno Kerhervé", roles=("dba",))
        mine = factory.request(
            plouzane,
            status=RequestStatus.SCHEDULED,
            title="Messagerie",
            earliest=monday,
            deadline=monday + timedelta(3),
        )
        theirs = factory.request(locmaria, status=RequestStatus.SCHEDULED, title="Sauvegardes", earliest=monday)
        moved = factory.booking(mine, soizic, monday, "am")
        taken = factory.booking(theirs, soizic, monday + timedelta(days=1), "am")
        ids = {"moved": moved.id, "taken": taken.id, "soizic": soizic.id}
        _db.session.commit()
        _db.session.remove()
    return {"monday": monday, **ids}


def _booking(live_app, booking_id: int) -> tuple[date, str]:
    with live_app.app_context():
        booking = _db.session.get(Booking, booking_id)
        where = (booking.date, booking.half)
        _db.session.remove()
        return where


def _cell(page, world, day: date, half: str):
    return page.locator(f'tr[data-expert="{world["soizic"]}"] td[data-day="{day.isoformat()}"][data-half="{half}"]')


def _open(page, login, world, width=1280):
    login(page, COORDINATOR)
    page.goto(f"/planification/calendrier?view=week&start={world['monday'].isoformat()}")
    return page


def test_drag_and_drop_then_keyboard_move_a_booking(live_app, new_page, login, world):
    page = _open(new_page(), login, world)
    monday = world["monday"]
    booking = page.locator(f'a[data-booking="{world["moved"]}"]')
    with page.expect_navigation():  # the drop posts the move form
        booking.drag_to(_cell(page, world, monday, "pm"))
    assert "La demi-journée est déplacée." in page.inner_text("main")
    assert _booking(live_app, world["moved"]) == (monday, "pm")

    # By keyboard: Space selects, → moves the target to Tuesday morning (taken), → again to Tuesday
    # afternoon, Enter moves it there.
    booking = page.locator(f'a[data-booking="{world["moved"]}"]')
    booking.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert "après-midi" in page.inner_text("#tl-live")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "La demi-journée est déplacée." in page.inner_text("main")
    assert _booking(live_app, world["moved"]) == (monday + timedelta(days=1), "pm")
    assert _cell(page, world, monday + timedelta(days=1), "pm").locator("a.tl-booking").count() == 1

    # Escape gives up: nothing is posted.
    page.locator(f'a[data-booking="{world["moved"]}"]').focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")
    assert _booking(live_app, world["moved"]) == (monday + timedelta(days=1), "pm")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ((1, "am"), "Cette demi-journée de l'expert est déjà réservée."),
        ((4, "am"), "hors de la fenêtre"),
    ],
)
def test_a_refused_move_shows_a_french_message_and_changes_nothing(live_app, new_page, login, world, target, message):
    page = _open(new_page(), login, world)
    before = _booking(live_app, world["moved"])
    source = page.locator(f'a[data-booking="{world["moved"]}"]')
    with page.expect_navigation():
        source.drag_to(_cell(page, world, world["monday"] + timedelta(days=target[0]), target[1]))
    alert = page.locator("#timeline-error")
    assert alert.is_visible()
    text = alert.inner_text()
    assert "Déplacement refusé" in text and message in text and "Rien n'a été modifié." in text
    assert _booking(live_app, world["moved"]) == before
    assert _booking(live_app, world["taken"]) == (world["monday"] + timedelta(days=1), "am")


def test_timeline_is_accessible_and_fits_a_phone(new_page, login, axe, world, artefacts_dir):
    page = _open(new_page(), login, world)
    for view in ("week", "quarter"):
        page.goto(f"/planification/calendrier?view={view}&start={world['monday'].isoformat()}")
        page.screenshot(path=str(artefacts_dir / f"timeline-{view}.png"), full_page=True)
        assert axe(page) == [], view
    phone = _open(new_page(width=360, height=740), login, world)
    phone.set_viewport_size({"width": 360, "height": 740})
    for view in ("week", "month", "quarter"):
        phone.goto(f"/planification/calendrier?view={view}&start={world['monday'].isoformat()}")
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        phone.screenshot(path=str(artefacts_dir / f"timeline-{view}-360.png"), full_page=True)
        assert overflow <= 1, (view, overflow)
        # The grid is wider than the phone: it scrolls inside its own box.
        assert phone.evaluate(
            "(() => { const b = document.querySelector('.tl-scroll'); return b.scrollWidth > b.clientWidth; })()"
        )
