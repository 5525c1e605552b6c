"""Schemathesis against /api/v1/openapi.json, in-process (WSGI), with a token of each role: whatever it
sends, no 5xx, and every answer conforms to the document (status code, content type, headers, body).

Bounded (a few examples per operation and role) so that it runs in well under a minute; on SQLite and
PostgreSQL through --db like the other functional tests.
"""

from datetime import date

import pytest
import schemathesis
from api_support import bearer, make_token, role_users
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy import select

from expertpool.models import BookingStatus, EnvelopeReview, InterventionRequest, RequestStatus, UserRole

EXAMPLES_PER_OPERATION = 6
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
]


def db_ids(model) -> list[int]:
    from expertpool.extensions import db

    return list(db.session.scalars(select(model.id).order_by(model.id)))


def _seed(factory):
    users = role_users(factory)
    member_a, member_b = users["_members"]
    factory.period(year=2026, members=(member_a, member_b))
    factory.period(year=2027, members=(member_a, member_b))
    expert = users["_expert"]
    for status in (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.APPROVED):
        factory.request(member=member_a, status=status, created_by=users["member"])
    done = factory.request(member=member_b, status=RequestStatus.SCHEDULED)
    booking = factory.booking(done, expert, date(2026, 12, 1), status=BookingStatus.PLANNED)
    leave = factory.unavailability(expert, date(2027, 2, 1), kind="leave")
    # An EPCI user, one of its communes and two draws waiting for the EPCI (so its decisions are reached).
    epci = factory.member(name="CC du Léon", kind="epci", holds_envelope=True)
    commune = factory.member(name="Commune C", parent_id=epci.id)
    users["epci"] = factory.user(UserRole.MEMBER, member=epci)
    for _ in range(2):
        factory.request(member=commune, status=RequestStatus.SUBMITTED).envelope_review = EnvelopeReview.PENDING
    requests = db_ids(InterventionRequest)
    # The ids a call may name: real ones (so that calls reach the services) besides whatever is generated.
    known = {
        "request_id": requests,
        "expert_id": [expert.id],
        "member_id": [member_a.id, member_b.id],
        "commune_id": [commune.id, member_a.id],
        "booking_id": [booking.id],
        "item_id": [leave.id],
        "run_id": [1, 2],
        "name": ["droits", "demandes", "membres"],
    }
    return users, known


@pytest.mark.parametrize("role", ["member", "expert", "coordinator", "epci"])
def test_every_operation_conforms_to_the_document(app, db, factory, role):
    users, known = _seed(factory)
    secret = make_token(db, users[role])
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    for operation in operations:
        _exercise(operation, secret, known)


def _exercise(operation, secret, known):
    @given(case=operation.as_strategy(), data=st.data())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case, data):
        for name, value in (case.path_parameters or {}).items():
            if name in known:
                case.path_parameters[name] = data.draw(st.sampled_from([*known[name], value]))
        if case.headers and "If-Match" in case.headers:
            case.headers["If-Match"] = data.draw(st.sampled_from(["*", case.headers["If-Match"]]))
        case.call_and_validate(headers=bearer(secret), checks=CHECKS)

    call()
