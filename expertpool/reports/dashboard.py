"""The coordinators' dashboard: every report of a period on the members, read once.

The experts' utilisation (a calendar of every active expert's year) is its own page
(`reports.utilisation_report`), linked from the dashboard.

The whole pool's figures (totals, fairness) are SQL aggregates over the stored positions and the member
table is sorted and paged in SQL: only the page's members become `MemberFigures`.
"""

from __future__ import annotations

from dataclasses import dataclass

from expertpool.extensions import db
from expertpool.list_page import ListPage, paginate_list
from expertpool.models import PoolSettings, QuotaPeriod
from expertpool.reports.activity import BacklogRow, LeadTime, Satisfaction, backlog, lead_time, satisfaction
from expertpool.reports.fairness import BANDS, Fairness, fairness
from expertpool.reports.member_figures import (
    PoolTotals,
    member_figures,
    pool_totals,
    sort_figures,
    stored_page,
    stored_totals,
)


@dataclass(frozen=True, slots=True)
class Dashboard:
    period: QuotaPeriod | None
    page: ListPage  # of MemberFigures
    totals: PoolTotals
    fairness: Fairness
    backlog: list[BacklogRow]
    lead_time: LeadTime
    satisfaction: Satisfaction
    unit_price_cents: int


def member_listing(
    period: QuotaPeriod | None, *, sort: str, descending: bool, show: str, page: int, per_page: int
) -> tuple[ListPage, PoolTotals]:
    """One page of the members' figures (filtered, sorted) and the pool's totals: the dashboard's table
    and the savings page's."""
    if period is None:
        # No period at all (a pool not set up yet): every member at zero, nothing stored to read.
        figures = member_figures(None)
        shown = [f for f in sort_figures(figures, sort, descending) if _shown(f, show)]
        return paginate_list(shown, page, per_page), pool_totals(figures)
    totals = stored_totals(period)
    shown = stored_page(
        period, sort=sort, descending=descending, show=show, page=page, per_page=per_page, totals=totals
    )
    return shown, totals


def build_dashboard(
    period: QuotaPeriod | None,
    *,
    sort: str = "name",
    descending: bool = False,
    show: str = "all",
    page: int = 1,
    per_page: int = 50,
) -> Dashboard:
    settings = PoolSettings.load(db.session)
    rows, totals = member_listing(period, sort=sort, descending=descending, show=show, page=page, per_page=per_page)
    if period is None:
        fair = Fairness(0, 0.0, None, [(band, 0) for band in ("0", *(b for b, _h in BANDS), "100+")])
    else:
        fair = fairness(period)
    return Dashboard(
        period=period,
        page=rows,
        totals=totals,
        fairness=fair,
        backlog=backlog(),
        lead_time=lead_time(period),
        satisfaction=satisfaction(period),
        unit_price_cents=settings.unit_price_cents,
    )


def _shown(figures, show: str) -> bool:
    return {"over": figures.is_over_quota, "unused": figures.is_unused}.get(show, True)
