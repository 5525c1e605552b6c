"""Webhooks against a real local HTTP receiver: the Standard Webhooks signature, retries after a 500 and
after a timeout, nothing sent for a rolled-back action, private addresses refused, an endpoint failing for
a day disabled with a notice (its events kept), and the coordinators' delivery log."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from api_support import bearer, make_token

from expertpool import tasks, webhooks
from expertpool.models import Notification, RequestStatus, Task, UserRole, WebhookDelivery, WebhookEndpoint
from expertpool.requests import services
from expertpool.timeutil import now_utc


class Receiver:
    """A local HTTP server answering each POST with the next planned behaviour (a status, or "hang")."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.plan: list = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                behaviour = receiver.plan.pop(0) if receiver.plan else 200
                if behaviour == "hang":
                    time.sleep(1.5)  # longer than the sender's timeout
                    behaviour = 200
                try:
                    self.send_response(behaviour)
                    self.end_headers()
                except OSError:  # the sender gave up (timeout)
                    pass

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def allow_private(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)


def _drain_until_quiet(start, rounds=8):
    """Run the queue as the scheduler process would, the clock jumping past each retry delay."""
    now = start
    for _ in range(rounds):
        tasks.drain(now=now)
        now += timedelta(hours=1)
    return now


def _world(db, factory):
    member = factory.member()
    user = factory.user(UserRole.MEMBER, member=member)
    coordinator = factory.user(UserRole.COORDINATOR)
    factory.period(year=now_utc().year, members=(member,))
    factory.period(year=now_utc().year + 1, members=(member,))
    draft = factory.request(
        member=member,
        status=RequestStatus.DRAFT,
        submitted_at=None,
        created_by=user,
        description="Besoin",
        on_site=False,
    )
    db.session.flush()
    return user, coordinator, draft


def _register(client, login, coordinator, url, events=("request.sent",)):
    login(coordinator)
    page = client.post("/coordination/webhooks/", data={"url": url, "events": list(events)})
    assert page.status_code == 201, page.get_data(as_text=True)[:500]
    return page


def test_signed_delivery_retried_after_a_500_and_a_timeout(client, db, factory, login, allow_private):
    user, coordinator, draft = _world(db, factory)
    with Receiver() as receiver:
        _register(client, login, coordinator, receiver.url)
        endpoint = db.session.query(WebhookEndpoint).one()
        receiver.plan = [500, "hang", 200]
        token = make_token(db, user)
        etag = client.get(f"/api/v1/requests/{draft.id}", headers=bearer(token)).headers["ETag"]
        sent = client.post(f"/api/v1/requests/{draft.id}/send", json={}, headers=bearer(token, **{"If-Match": etag}))
        assert sent.status_code == 200
        assert receiver.received == []  # never inside the web request
        _drain_until_quiet(now_utc())

    assert len(receiver.received) == 3
    for headers, body in receiver.received:
        assert webhooks.verify(endpoint.secret, headers, body)
        event = json.loads(body)
        assert event["type"] == "request.sent"
        assert event["data"]["request_id"] == draft.id
    assert len({headers["webhook-id"] for headers, _body in receiver.received}) == 1  # one message, retried
    tampered = receiver.received[-1][1].replace(b"request.sent", b"request.rated")
    assert not webhooks.verify(endpoint.secret, receiver.received[-1][0], tampered)
    delivery = db.session.query(WebhookDelivery).one()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 3, 200)

    log = client.get("/coordination/webhooks/")
    assert log.status_code == 200
    assert "request.sent" in log.get_data(as_text=True) and ">200<" in log.get_data(as_text=True)


def test_a_rolled_back_action_sends_nothing(app, client, db, factory, login, allow_private):
    user, coordinator, draft = _world(db, factory)
    with Receiver() as receiver:
        _register(client, login, coordinator, receiver.url)
        db.session.commit()
        with app.test_request_context():
            services.submit_request(draft, actor=user, now=now_utc())
            db.session.flush()  # the event's task row is written, then the action fails and rolls back
            assert db.session.query(Task).filter_by(kind=webhooks.FANOUT).count() == 1
        db.session.rollback()
        _drain_until_quiet(now_utc())
    assert receiver.received == []
    assert db.session.query(WebhookDelivery).count() == 0


def test_an_endpoint_failing_for_a_day_is_disabled_with_a_notice_and_loses_nothing(
    app, client, db, factory, login, allow_private
):
    user, coordinator, draft = _world(db, factory)
    with Receiver() as receiver:
        _register(client, login, coordinator, receiver.url)
        endpoint = db.session.query(WebhookEndpoint).one()
        receiver.plan = [500] * 40
        with app.test_request_context():
            services.submit_request(draft, actor=user, now=now_utc())
        db.session.commit()
        start = now_utc()
        _drain_until_quiet(start, rounds=30)  # 30 hours of retries, an hour apart at most
        db.session.refresh(endpoint)
        assert not endpoint.active
        delivery = db.session.query(WebhookDelivery).one()
        assert delivery.status == "held"
        assert 1 < delivery.attempts < 40
        notice = db.session.query(Notification).filter_by(user_id=coordinator.id, kind="webhook_disabled").one()
        assert notice.params == {"url": receiver.url}

        receiver.plan = []
        login(coordinator)
        assert client.post(f"/coordination/webhooks/{endpoint.id}/basculer").status_code == 303
        _drain_until_quiet(now_utc(), rounds=2)
    db.session.refresh(delivery)
    assert delivery.status == "delivered"


def test_private_and_loopback_addresses_are_refused_unless_allowed(client, db, factory, login):
    coordinator = factory.user(UserRole.COORDINATOR)
    login(coordinator)
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "http://localhost/hook", "ftp://example.org/x"):
        page = client.post("/coordination/webhooks/", data={"url": url, "events": ["request.sent"]})
        assert page.status_code == 400, url
    assert db.session.query(WebhookEndpoint).count() == 0


def test_only_coordinators_manage_webhooks(client, db, factory, login):
    login(factory.user(UserRole.MEMBER))
    assert client.get("/coordination/webhooks/").status_code == 403
