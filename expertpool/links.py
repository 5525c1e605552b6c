"""Links from one feature to another's pages, built once for notifications, mails, feeds and redirects.

A feature never imports another (import-linter), so it cannot call the other's views: it names the
page here. Paths work inside a request and outside one (the scheduler process, the CLI, the demo seed),
and a page whose feature is not registered gives its fallback, then "", rather than a crash.
"""

from datetime import date

from flask import current_app, has_request_context, url_for
from werkzeug.routing import BuildError


def page_link(endpoint: str, fallback: str | None = None, **values) -> str:
    """A path to `endpoint` (with `values`), else to `fallback`, else ""."""
    candidates = [(endpoint, values)] + ([(fallback, {})] if fallback else [])
    for name, args in candidates:
        if name not in current_app.view_functions:
            continue
        try:
            if has_request_context():
                return url_for(name, **args)
            # No request (a job, the CLI): build the path from the URL map directly.
            return current_app.url_map.bind("localhost").build(name, args)
        except BuildError:
            continue
    return ""


def member_request_link(request_id: int) -> str:
    """The member's page of a request."""
    return page_link("requests.detail", "requests.index", request_id=request_id)


def staff_request_link(request_id: int) -> str:
    """The coordinator's page of a request."""
    return page_link("coordination.request_detail", "coordination.queue", request_id=request_id)


def expert_assignments_link() -> str:
    """The expert's list of half-days to come and to record."""
    return page_link("agenda.assignments", "agenda.index")


def expert_report_link(request_id: int) -> str:
    """The expert's page of a request (its report)."""
    return page_link("agenda.report", "agenda.assignments", request_id=request_id)


def expert_week_link(expert_id: int, day: date) -> str:
    """An expert's agenda, the week of `day`."""
    return page_link("agenda.week", expert_id=expert_id, day=day.isoformat())


def epci_envelope_link() -> str:
    """The EPCI users' page of their envelope (its communes' draws, caps and the draws to approve)."""
    return page_link("envelope.manage")
