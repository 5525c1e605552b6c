"""Changing the pool's settings (audited)."""

from datetime import datetime

from expertpool import audit
from expertpool.compliance import RETENTION_PERIODS
from expertpool.extensions import db
from expertpool.models import PoolSettings

SETTING_FIELDS = (
    "name",
    "contact_email",
    "unit_price_cents",
    "holidays_region",
    "am_start",
    "am_end",
    "pm_start",
    "pm_end",
    "auto_approve_max_half_days",
    "instant_booking_max_half_days",
    "horizon_weeks",
    "next_period_warning_weeks",
    "scheduler_cron",
    *RETENTION_PERIODS,
    "publisher",
    "publication_director",
    "host",
    "dpo_contact",
    "security_contact",
    "accessibility_rate",
    "accessibility_audit_date",
    "accessibility_audit_method",
    "accessibility_exceptions",
    "accessibility_contact",
    "accessibility_plan_url",
)


def update_settings(settings: PoolSettings, values: dict, *, actor, now: datetime) -> bool:
    """Apply `values`; one audit row when something changed. Returns whether anything changed."""
    before = audit.snapshot(settings, *SETTING_FIELDS)
    for name in SETTING_FIELDS:
        if name in values:
            setattr(settings, name, values[name])
    after = audit.snapshot(settings, *SETTING_FIELDS)
    if before == after:
        return False
    changed = [k for k in SETTING_FIELDS if before[k] != after[k]]
    audit.record(
        actor,
        "settings.update",
        settings,
        now=now,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    db.session.flush()
    return True
