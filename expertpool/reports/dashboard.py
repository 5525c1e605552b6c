"""The coordinators' dashboard: every report of a period, read once."""

from __future__ import annotations

from dataclasses import dataclass

from expertpool.extensions import db
from expertpool.models import PoolSettings, QuotaPeriod
from expertpool.reports.activity import BacklogRow, LeadTime, Satisfaction, backlog, lead_time, satisfaction
from expertpool.reports.fairness import Fairness, fairness
from expertpool.reports.member_figures import MemberFigures, PoolTotals, member_figures, pool_totals
from expertpool.reports.utilisation import Utilisation, utilisation


@dataclass(frozen=True, slots=True)
class Dashboard:
    period: QuotaPeriod | None
    figures: list[MemberFigures]
    totals: PoolTotals
    fairness: Fairness
    utilisation: Utilisation
    backlog: list[BacklogRow]
    lead_time: LeadTime
    satisfaction: Satisfaction
    unit_price_cents: int


def build_dashboard(period: QuotaPeriod | None) -> Dashboard:
    settings = PoolSettings.load(db.session)
    figures = member_figures(period)
    return Dashboard(
        period=period,
        figures=figures,
        totals=pool_totals(figures),
        fairness=fairness(figures),
        utilisation=utilisation(period, settings.holidays_region),
        backlog=backlog(),
        lead_time=lead_time(period),
        satisfaction=satisfaction(period),
        unit_price_cents=settings.unit_price_cents,
    )
