"""Instant booking: a small request approved on its sending is planned at once, by the same engine and
service as every run (one request, around everything already held, under the scheduler's lock).

The engine stays the only place that decides where half-days go; this only runs it sooner. When the lock
is taken or anything goes wrong, the request simply waits for the next scheduled run.
"""

import logging
from datetime import datetime

from flask import Flask

from expertpool import signals
from expertpool.extensions import db
from expertpool.models import AllocationRun, InterventionRequest, PoolSettings, RequestStatus
from expertpool.models.enums import RunMode
from expertpool.planning.service import AllocationBusy, run_allocation

log = logging.getLogger(__name__)


def eligible(req: InterventionRequest) -> bool:
    limit = PoolSettings.load(db.session).instant_booking_max_half_days
    return 0 < req.granted_half_days <= limit and req.status == RequestStatus.APPROVED


def book_now(request_id: int, *, now: datetime) -> AllocationRun | None:
    """Plan this one approved request now; None when it is not eligible or must wait for the scheduler."""
    req = db.session.get(InterventionRequest, request_id)
    if req is None or not eligible(req):
        return None
    try:
        return run_allocation(actor=None, now=now, mode=RunMode.COMMIT, request_ids=[request_id])
    except AllocationBusy:
        log.info("instant booking of request %s left to the scheduler: a run holds the lock", request_id)
    except Exception:  # the request is approved and committed: the next run books it, never a 500
        db.session.rollback()
        log.exception("instant booking of request %s failed; the scheduler will book it", request_id)
    return None


def _on_approved(app: Flask, *, request_id: int, now: datetime) -> None:
    book_now(request_id, now=now)


def init_app(app: Flask) -> None:
    signals.request_approved_on_sending.connect(_on_approved, sender=app, weak=False)
