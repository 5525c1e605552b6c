"""The marketplace of experts: cards with filters and search, and a profile page per expert (read-only
for experts and coordinators; members can ask for an expert from there)."""

from datetime import timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from expertpool.catalogue import queries
from expertpool.catalogue.forms import ExpertFilterForm
from expertpool.extensions import db
from expertpool.models import PoolSettings, UserRole
from expertpool.permissions import roles_required
from expertpool.timeutil import now_utc, today_paris

bp = Blueprint("catalogue", __name__, url_prefix="/experts")

ALL_ROLES = (UserRole.MEMBER, UserRole.EXPERT, UserRole.COORDINATOR, UserRole.ADMIN)
WEEKDAY_LABELS = {"mon": _l("lundi"), "tue": _l("mardi"), "wed": _l("mercredi"), "thu": _l("jeudi"),
                  "fri": _l("vendredi"), "sat": _l("samedi"), "sun": _l("dimanche")}


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
        text=form.q.data if filters_ok else "", role_id=form.role.data, skill_id=form.skill.data,
        mode=form.mode.data or "",
    )
    cards = queries.expert_cards(
        experts, start=_first_bookable_day(), region=PoolSettings.load(db.session).holidays_region,
        free_before=form.free_before.data if filters_ok else None,
    )
    return render_template("catalogue/index.html", form=form, cards=cards), status


@bp.route("/<int:expert_id>")
@roles_required(*ALL_ROLES)
def expert(expert_id: int):
    found = queries.load_expert(expert_id)
    if found is None:
        abort(404)
    card = queries.expert_cards([found], start=_first_bookable_day(),
                                region=PoolSettings.load(db.session).holidays_region)[0]
    return render_template("catalogue/expert.html", card=card, expert=found, weekday_labels=WEEKDAY_LABELS)
