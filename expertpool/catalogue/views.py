"""The marketplace of experts: cards with filters and search, and a profile page per expert (read-only
for experts and coordinators; members can ask for an expert from there)."""

from dataclasses import replace
from datetime import timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from expertpool import availability
from expertpool.catalogue import queries
from expertpool.catalogue.forms import ExpertFilterForm
from expertpool.extensions import db
from expertpool.list_page import paginate_list, requested_page
from expertpool.models import PoolSettings, UserRole
from expertpool.permissions import roles_required
from expertpool.timeutil import now_utc, today_paris

bp = Blueprint("catalogue", __name__, url_prefix="/experts")

PER_PAGE = 24  # cards: a multiple of 2 and 3 columns, and short enough for a phone
ALL_ROLES = (UserRole.MEMBER, UserRole.EXPERT, UserRole.COORDINATOR, UserRole.ADMIN)
WEEKDAY_LABELS = {
    "mon": _l("lundi"),
    "tue": _l("mardi"),
    "wed": _l("mercredi"),
    "thu": _l("jeudi"),
    "fri": _l("vendredi"),
    "sat": _l("samedi"),
    "sun": _l("dimanche"),
}


def _first_bookable_day():
    """Tomorrow in France: an expert cannot be asked for today any more."""
    return today_paris(now_utc()) + timedelta(days=1)


@bp.route("/")
@roles_required(*ALL_ROLES)
def index():
    roles, skills = queries.filter_choices()
    form = ExpertFilterForm(request.args)
    form.set_choices(roles, skills)
    status = 200
    if request.args and not form.validate():
        status = 400
    filters_ok = status == 200
    experts = queries.find_experts(
        text=form.q.data if filters_ok else "",
        role_id=form.role.data,
        skill_id=form.skill.data,
        mode=form.mode.data or "",
    )
    page = requested_page(request.args)
    free_before = form.free_before.data if filters_ok else None
    region = PoolSettings.load(db.session).holidays_region
    if free_before is None:
        # Cards (ratings, next free half-day) only for the experts shown: the same queries, less work.
        shown = paginate_list(experts, page, PER_PAGE)
        cards = replace(shown, items=queries.expert_cards(shown.items, start=_first_bookable_day(), region=region))
    else:  # the free-before filter needs every expert's next free half-day before slicing
        cards = paginate_list(
            queries.expert_cards(experts, start=_first_bookable_day(), region=region, free_before=free_before),
            page,
            PER_PAGE,
        )
    return render_template(
        "catalogue/index.html", form=form, cards=cards, filter_args=_filter_args(form) if filters_ok else {}
    ), status


def _filter_args(form: ExpertFilterForm) -> dict:
    """The filters in the query string, to keep them on the other pages."""
    return {
        name: request.args[name] for name in ("q", "role", "skill", "free_before", "mode") if request.args.get(name)
    }


@bp.route("/<int:expert_id>")
@roles_required(*ALL_ROLES)
def expert(expert_id: int):
    found = queries.load_expert(expert_id)
    if found is None:
        abort(404)
    region = PoolSettings.load(db.session).holidays_region
    start = _first_bookable_day()
    card = queries.expert_cards([found], start=start, region=region)[0]
    end = start + timedelta(weeks=availability.WEEKS_SHOWN) - timedelta(days=1)
    free = availability.free_half_days_by_expert([found], start, end, region)[found.id]
    free_days: dict = {}
    for day, half in free:
        free_days.setdefault(day, []).append(half)
    return render_template(
        "catalogue/expert.html",
        card=card,
        expert=found,
        weekday_labels=WEEKDAY_LABELS,
        free_days=free_days,
        free_start=start,
        free_end=end,
    )
