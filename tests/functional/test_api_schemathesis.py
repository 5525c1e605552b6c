"""Schemathesis against /api/v1/openapi.json, in-process (WSGI), with a token of each role: whatever it
sends, no 5xx, and every answer conforms to the document (status code, content type, headers, body).

Then statefully: schemathesis's state machine follows the document's OpenAPI links (the id of an answer
into the next call's path, a read's ETag into the If-Match of a change), with a member's and a
coordinator's token, under the same checks.

Bounded (a few examples per operation and role, a few dozen short scenarios) so that it runs in well under
a minute; on SQLite and PostgreSQL through --db like the other functional tests.
"""

from datetime import date, timedelta

import hypothesis
import pytest
import schemathesis
from api_support import bearer, make_token, role_users
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi import checks as openapi_checks
from sqlalchemy import select

from expertpool.models import BookingStatus, EnvelopeReview, InterventionRequest, RequestStatus, UserRole
from expertpool.timeutil import now_utc, today_paris

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


# --- stateful: following the document's links -----------------------------------------------------

SCENARIOS = 40  # scenarios per role, each at most STEPS calls
STEPS = 10
SUITES = 5  # new suites after a 'flaky' stop (see below)
# The operations each role's run may call (by operationId): the ones its pages give it. The links join them.
FLOWS = {
    "member": [
        "list_requests",
        "create_request",
        "read_request",
        "update_request",
        "send_request",
        "cancel_request",
        "rate_request",
        "list_messages",
        "post_message",
    ],
    "coordinator": [
        "queue",
        "list_requests",
        "read_request",
        "approve",
        "reject",
        "ask_information",
        "list_messages",
        "preview",
        "commit",
        "read_run",
        "list_members",
        "read_member",
        "member_position",
        "list_experts",
        "read_expert",
        "list_unavailability",
        "remove_unavailability",
    ],
    "expert": [
        "list_experts",
        "read_expert",
        "agenda",
        "list_unavailability",
        "declare_unavailability",
        "remove_unavailability",
    ],
}
# What each role's run must have done with success (2xx): the links' targets, and one change whose ids
# (and If-Match ETag, for the requests) a link carried.
REACHED = {
    "member": {"list_requests", "create_request", "read_request", "list_messages"},
    "coordinator": {"queue", "read_request", "preview", "read_run"},
    "expert": {"declare_unavailability", "list_unavailability"},
}
LINKED_CHANGE = {
    "member": {"update_request", "send_request", "cancel_request"},
    "coordinator": {"approve", "reject", "ask_information"},
    "expert": {"remove_unavailability"},
}
# Valid calls only (the stateless run above sends the invalid ones), the token given by the test, and the
# document's own links: schemathesis also infers links (from ids in bodies and paths), switched off so that
# the run follows the links the document promises to clients, the If-Match ones included (GET
# /requests/{request_id}'s ETag goes into If-Match, so the updates are reached, not only their 428).
STATEFUL_CONFIG = {
    "generation": {"mode": "positive", "with-security-parameters": False},
    "phases": {"stateful": {"inference": {"algorithms": []}}},
}


def _realistic(role_id: int, expert_id: int) -> dict[str, dict]:
    """By operationId, the body fields (and path values) the page's forms check against the world (an
    existing role and expert, dates ahead): random ones are refused (400 or 404), so that without these no
    draft or unavailability would be created for the links to follow. The other fields stay generated."""
    today = today_paris(now_utc())
    request = {
        "title": "Audit de sécurité",
        "description": "Revoir les droits des comptes",
        "role_id": role_id,
        "preferred_expert_id": None,
        "skill_ids": [],
        "earliest": (today + timedelta(days=7)).isoformat(),
        "deadline": (today + timedelta(days=60)).isoformat(),
        "on_site": False,
        "address": "",
    }
    leave = {
        "start_date": (today + timedelta(days=30)).isoformat(),
        "end_date": (today + timedelta(days=31)).isoformat(),
    }
    return {
        "create_request": {"body": request},
        "update_request": {"body": request},
        "declare_unavailability": {"body": {**leave, "half": None}, "path": {"expert_id": expert_id}},
    }


def operation_id(case) -> str:
    return case.operation.definition.raw["operationId"]


class Run:
    """What a stateful run saw: the status codes by operation, the checks that failed, the scenarios done."""

    def __init__(self):
        self.reached: dict[str, set[int]] = {}
        self.failures: list[str] = []
        self.scenarios = 0
        self.calls = 0


def _workflow(app, role, secret, run: Run, realistic):
    """Schemathesis's state machine over the role's operations, called with its token."""
    config = schemathesis.config.SchemathesisConfig.from_dict(STATEFUL_CONFIG)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    schema = schema.include(operation_id=FLOWS[role])

    class Workflow(schema.as_state_machine()):
        def before_call(self, case):
            values = realistic.get(operation_id(case), {})
            if isinstance(case.body, dict):
                case.body.update(values.get("body", {}))
            case.path_parameters = {**(case.path_parameters or {}), **values.get("path", {})}

        def get_call_kwargs(self, case):
            return {"headers": bearer(secret)}

        def after_call(self, response, case):
            super().after_call(response, case)
            run.calls += 1
            run.reached.setdefault(operation_id(case), set()).add(response.status_code)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder)
            except Exception as exc:
                run.failures.append(f"{case.method} {case.formatted_path} → {response.status_code}: {exc}")
                raise

        def teardown(self):
            run.scenarios += 1
            super().teardown()

    return Workflow


@pytest.mark.parametrize("role", ["member", "coordinator", "expert"])
def test_linked_calls_conform_to_the_document(app, db, factory, role):
    users, _known = _seed(factory)
    secret = make_token(db, users[role])
    db.session.commit()
    app.config["API_RATE_LIMIT"] = 100_000  # the run's calls are not what the limiter is tested on
    role_id = factory.role("dba").id
    run = Run()
    workflow = _workflow(app, role, secret, run, _realistic(role_id, users["_expert"].id))
    for suite in range(SUITES):
        try:
            hypothesis.seed(suite)(workflow).run(
                settings=settings(
                    max_examples=SCENARIOS - run.scenarios,
                    stateful_step_count=STEPS,
                    deadline=None,
                    database=None,
                    phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
            )
            break
        except hypothesis.errors.Flaky:
            # The calls change the API's state, so a choice Hypothesis replays can meet other answers (and
            # other links to follow) than the first time: it stops the suite as "flaky". Schemathesis's own
            # runner starts a new suite then; so does this test, unless a check failed (reported below).
            if run.failures:
                break
    assert not run.failures, run.failures
    assert run.scenarios >= SCENARIOS // 2, (run.scenarios, suite)
    # The run went past the first call: ids and ETags taken from answers reached real objects, and at least
    # one change went through with what a link carried.
    succeeded = {name for name, codes in run.reached.items() if any(200 <= code < 300 for code in codes)}
    assert REACHED[role] <= succeeded, sorted(run.reached.items())
    assert succeeded & LINKED_CHANGE[role], sorted(run.reached.items())
    print(f"{role}: {run.scenarios} scenarios, {run.calls} calls, {len(run.reached)} operations, {suite + 1} suites")
