"""axe-core on every main page of each role (the navigation bar's pages, the profile, notifications,
the landing and login pages): no serious or critical WCAG 2.1 AA violation."""

import json

import pytest

from expertpool.models import UserRole
from expertpool.navigation import NAV_BY_ROLE

pytestmark = pytest.mark.e2e

ROLE_USERS = {
    "member_a": UserRole.MEMBER,
    "expert_x": UserRole.EXPERT,
    "coordinator": UserRole.COORDINATOR,
    "admin": UserRole.ADMIN,
}
EXTRA_PAGES = ("auth.profile", "main.notifications")
# The pages behind the menu each role works in: (endpoint, {URL argument: world key}).
DETAIL_PAGES = {
    "member_a": [
        ("requests.new", {}),
        ("requests.detail", {"request_id": "request"}),
        ("requests.detail", {"request_id": "completed"}),
        ("catalogue.expert", {"expert_id": "expert"}),
        ("feeds.member_calendar", {}),
    ],
    "expert_x": [
        ("agenda.week", {"expert_id": "expert"}),
        ("agenda.month", {"expert_id": "expert"}),
        ("agenda.unavailabilities", {"expert_id": "expert"}),
        ("agenda.unavailability_new", {"expert_id": "expert"}),
        ("agenda.record_delivery", {"booking_id": "past_booking"}),
        ("agenda.report", {"request_id": "scheduled"}),
        ("feeds.expert_calendar", {}),
    ],
    "coordinator": [
        ("coordination.request_detail", {"request_id": "request"}),
        ("coordination.member_detail", {"member_id": "member"}),
        ("coordination.member_new", {}),
        ("coordination.member_import", {}),
        ("coordination.expert_edit", {"expert_id": "expert"}),
        ("coordination.periods", {}),
        ("coordination.roles_skills", {}),
        ("coordination.user_invite", {}),
        ("planning.history", {}),
        ("planning.bookings", {}),
        ("planning.move", {"booking_id": "booking"}),
        ("planning.run_detail", {"run_id": "run"}),
        ("reports.savings", {}),
        ("reports.export", {}),
        ("reports.statement", {"member_id": "member"}),
        ("agenda.week", {"expert_id": "expert"}),
    ],
    "admin": [("admin.outbox", {}), ("coordination.user_edit", {"user_id": "user"})],
}


def main_pages(app, role: str, ids: dict) -> list[str]:
    endpoints = [(endpoint, {}) for endpoint, _label in NAV_BY_ROLE[ROLE_USERS[role]]]
    endpoints += [(e, {}) for e in EXTRA_PAGES] + DETAIL_PAGES[role]
    with app.test_request_context():
        from flask import url_for

        urls = [
            url_for(e, **{name: ids[key] for name, key in args.items()})
            for e, args in endpoints
            if e in app.view_functions
        ]
    return list(dict.fromkeys(urls))


def check_pages(page, axe, paths, artefacts_dir, label) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status < 500, f"{label} {path}: {response and response.status}"
        violations = axe(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:  # WCAG 1.4.10 reflow: no horizontal scrolling of the whole page
            violations.append(
                {
                    "id": "page-overflows-horizontally",
                    "impact": "serious",
                    "help": f"the page is {overflow}px wider than the window",
                }
            )
        if violations:
            problems.append(f"{label} {path}: " + json.dumps(violations, ensure_ascii=False))
            page.screenshot(
                path=str(artefacts_dir / f"axe-{label}-{path.strip('/').replace('/', '_')}.png"), full_page=True
            )
    return problems


def test_public_pages_have_no_serious_accessibility_violation(new_page, axe, seeded, artefacts_dir):
    problems = check_pages(
        new_page(), axe, ["/", "/compte/connexion", "/compte/mot-de-passe-oublie"], artefacts_dir, "anonymous"
    )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_main_pages_of_each_role_have_no_serious_accessibility_violation(
    role, live_app, new_page, login, axe, seeded, artefacts_dir
):
    page = new_page()
    login(page, seeded["emails"][role])
    paths = main_pages(live_app, role, seeded["ids"])
    assert paths
    problems = check_pages(page, axe, paths, artefacts_dir, role)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_menu_pages_fit_a_phone_screen(role, live_app, new_page, login, seeded, artefacts_dir):
    """WCAG 1.4.10 (reflow): at 360 CSS pixels, no page scrolls sideways (wide tables scroll inside
    their .table-responsive box, not the page)."""
    page = new_page(width=360, height=740)
    login(page, seeded["emails"][role])
    too_wide = []
    for endpoint, _label in NAV_BY_ROLE[ROLE_USERS[role]]:
        if endpoint not in live_app.view_functions:
            continue
        with live_app.test_request_context():
            from flask import url_for

            path = url_for(endpoint)
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:
            too_wide.append(f"{path}: {overflow}px too wide")
            page.screenshot(
                path=str(artefacts_dir / f"phone-{role}-{path.strip('/').replace('/', '_')}.png"), full_page=True
            )
    assert not too_wide, "\n".join(too_wide)


# A form sent empty: the French errors next to the fields must be accessible too.
FORMS_SENT_EMPTY = {
    "anonymous": [("/compte/connexion", "Se connecter")],
    "member_a": [("/demandes/nouvelle", "Envoyer la demande")],
    "coordinator": [("/coordination/membres/nouveau", None), ("/coordination/utilisateurs/inviter", None)],
}


@pytest.mark.parametrize("role", list(FORMS_SENT_EMPTY))
def test_form_errors_have_no_serious_accessibility_violation(role, new_page, login, axe, seeded, artefacts_dir):
    page = new_page()
    if role != "anonymous":
        login(page, seeded["emails"][role])
    problems = []
    for path, button in FORMS_SENT_EMPTY[role]:
        page.goto(path)
        form = page.locator("main form[method=post]").last
        form.locator("input[type=text], input[type=email], textarea").first.fill("")
        submit = form.get_by_role("button", name=button) if button else form.locator("button[type=submit]").last
        submit.click()
        page.wait_for_load_state()
        assert page.locator(".invalid-feedback, .alert-danger").count() > 0, f"{path}: no error shown"
        violations = axe(page)
        if violations:
            problems.append(f"{role} {path} (errors shown): " + json.dumps(violations, ensure_ascii=False))
            page.screenshot(path=str(artefacts_dir / f"axe-errors-{role}.png"), full_page=True)
    assert not problems, "\n".join(problems)
