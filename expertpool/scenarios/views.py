"""What-if scenarios (coordinators only): list, create, edit, duplicate, delete, run through the task
queue, compare with the baseline, export, and turn into the next period's policy."""

import json

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from expertpool.extensions import db
from expertpool.labels import POLICY_LABELS
from expertpool.models import Scenario
from expertpool.permissions import staff_required
from expertpool.quota_policies import PeriodOverlap
from expertpool.scenarios import comparison, services
from expertpool.scenarios.changes import BadChanges
from expertpool.scenarios.forms import BASE_LABELS, ActionForm, ScenarioForm
from expertpool.spreadsheet_datasets import render as render_dataset
from expertpool.timeutil import now_utc

bp = Blueprint("scenarios", __name__, url_prefix="/scenarios")


def status_label(status: str) -> str:
    labels = {
        "draft": _("Jamais lancé"),
        "queued": _("En attente de calcul"),
        "running": _("Calcul en cours"),
        "done": _("Calculé"),
        "failed": _("Échec du calcul"),
    }
    return labels.get(status, status)


@bp.app_template_global("scenario_status_label")
def _scenario_status_label(status: str) -> str:
    return status_label(status)


def _load(scenario_id: int) -> Scenario:
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None:
        abort(404)
    return scenario


@bp.route("/")
@staff_required
def index():
    scenarios = list(db.session.scalars(select(Scenario).order_by(Scenario.updated_at.desc(), Scenario.id.desc())))
    return render_template("scenarios/index.html", scenarios=scenarios, form=ActionForm(), base_labels=BASE_LABELS)


def _save(scenario: Scenario | None):
    form = ScenarioForm()
    template = "scenarios/form.html"
    if request.method == "GET":
        if scenario is not None:
            form.fill(scenario)
        return render_template(template, form=form, scenario=scenario)
    if not form.validate_on_submit():
        return render_template(template, form=form, scenario=scenario), 400
    now = now_utc()
    values = {"name": form.name.data.strip(), "base": form.base.data, "changes": form.changes()}
    if scenario is None:
        scenario = services.create(**values, actor=current_user, now=now)
        flash(_("Scénario « %(name)s » enregistré : lancez son calcul.", name=scenario.name), "success")
    else:
        services.update(scenario, **values, actor=current_user, now=now)
        flash(_("Scénario modifié."), "success")
    db.session.commit()
    return redirect(url_for("scenarios.show", scenario_id=scenario.id), code=303)


@bp.route("/nouveau", methods=["GET", "POST"])
@staff_required
def new():
    return _save(None)


@bp.route("/<int:scenario_id>/modifier", methods=["GET", "POST"])
@staff_required
def edit(scenario_id: int):
    return _save(_load(scenario_id))


@bp.route("/<int:scenario_id>")
@staff_required
def show(scenario_id: int):
    scenario = _load(scenario_id)
    cols = comparison.columns([scenario]) if scenario.status == "done" else None
    return render_template(
        "scenarios/show.html",
        scenario=scenario,
        form=ActionForm(),
        base_labels=BASE_LABELS,
        sentence=comparison.sentence(scenario) if cols else comparison.what_changed(scenario),
        rows=comparison.summary_rows(cols) if cols else [],
        cols=cols,
    )


@bp.route("/<int:scenario_id>/etat")
@staff_required
def state(scenario_id: int):
    """The status the page polls while the scheduler process runs the scenario (static/js/scenarios.js)."""
    scenario = _load(scenario_id)
    return jsonify(status=scenario.status, label=status_label(scenario.status), progress=scenario.progress)


def _checked_post() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.route("/<int:scenario_id>/lancer", methods=["POST"])
@staff_required
def run(scenario_id: int):
    scenario = _load(scenario_id)
    _checked_post()
    if scenario.status in services.RUNNING:
        flash(_("Ce scénario est déjà en cours de calcul."), "info")
    else:
        services.queue_run(scenario, actor=current_user, now=now_utc())
        db.session.commit()
        flash(_("Calcul demandé : il se fait en arrière-plan, en général en quelques secondes."), "success")
    return redirect(url_for("scenarios.show", scenario_id=scenario.id), code=303)


@bp.route("/<int:scenario_id>/dupliquer", methods=["POST"])
@staff_required
def duplicate(scenario_id: int):
    scenario = _load(scenario_id)
    _checked_post()
    copy = services.duplicate(
        scenario, name=_("Copie de %(name)s", name=scenario.name)[:120], actor=current_user, now=now_utc()
    )
    db.session.commit()
    flash(_("Scénario dupliqué : modifiez la copie."), "success")
    return redirect(url_for("scenarios.edit", scenario_id=copy.id), code=303)


@bp.route("/<int:scenario_id>/supprimer", methods=["POST"])
@staff_required
def delete(scenario_id: int):
    scenario = _load(scenario_id)
    _checked_post()
    services.delete(scenario, actor=current_user, now=now_utc())
    db.session.commit()
    flash(_("Scénario supprimé."), "success")
    return redirect(url_for("scenarios.index"), code=303)


@bp.route("/<int:scenario_id>/adopter", methods=["GET", "POST"])
@staff_required
def adopt(scenario_id: int):
    """What the scenario would carry into the next period (GET: the confirmation page), then the next
    period opened with it through the period preparation (POST)."""
    scenario = _load(scenario_id)
    back = redirect(url_for("scenarios.show", scenario_id=scenario_id), code=303)
    try:
        plan = services.adoption(scenario, now=now_utc())
    except (services.NothingToAdopt, BadChanges):
        flash(
            _(
                "Ce scénario ne change ni la règle du droit de tirage, ni le droit d'un membre, ni le prix : "
                "rien à adopter."
            ),
            "danger",
        )
        return back
    if request.method == "GET":
        return render_template(
            "scenarios/adopt.html", scenario=scenario, plan=plan, form=ActionForm(), policy_labels=POLICY_LABELS
        )
    _checked_post()
    try:
        period = services.adopt(scenario, actor=current_user, now=now_utc())
    except PeriodOverlap as exc:
        db.session.rollback()
        flash(
            _("La période suivante (« %(name)s ») existe déjà : modifiez-la depuis les périodes.", name=str(exc)),
            "danger",
        )
        return back
    db.session.commit()
    flash(_("Période « %(name)s » ouverte avec les changements de ce scénario.", name=period.name), "success")
    return back


def _exchange(scenario: Scenario, key: str, stem: str) -> Response:
    documents = (scenario.result or {}).get("exchange", {}).get(key) or []
    index = request.args.get("partie", "1")
    if not index.isdigit() or not 1 <= int(index) <= len(documents):
        abort(404)
    body = json.dumps(documents[int(index) - 1], ensure_ascii=False, indent=1)
    name = f"scenario-{scenario.id}-{stem}-{index}.json"
    return Response(
        body, mimetype="application/json", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/<int:scenario_id>/probleme.json")
@staff_required
def problem_file(scenario_id: int):
    return _exchange(_load(scenario_id), "problems", "probleme")


@bp.route("/<int:scenario_id>/plan.json")
@staff_required
def plan_file(scenario_id: int):
    return _exchange(_load(scenario_id), "plans", "plan")


def _compared() -> tuple[list[Scenario], str | None]:
    """The scenarios chosen in the query string (done ones, at most three), or an error message."""
    raw = request.args.getlist("s")
    if not raw or not all(value.isdigit() for value in raw):
        return [], _("Choisissez de un à trois scénarios calculés.")
    ids = list(dict.fromkeys(int(value) for value in raw))
    if len(ids) > comparison.MAX_COMPARED:
        return [], _("Comparez au plus trois scénarios à la fois.")
    found = {s.id: s for s in db.session.scalars(select(Scenario).where(Scenario.id.in_(ids)))}
    scenarios = [found[i] for i in ids if i in found and found[i].status == "done"]
    if len(scenarios) != len(ids):
        return [], _("Choisissez de un à trois scénarios calculés.")
    return scenarios, None


@bp.route("/comparer")
@staff_required
def compare():
    scenarios, error = _compared()
    if error:
        flash(error, "danger")
        return render_template("scenarios/compare.html", error=error, scenarios=[]), 400
    cols = comparison.columns(scenarios)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        body, mimetype = render_dataset(comparison.export_dataset(cols), fmt)
        headers = {"Content-Disposition": f'attachment; filename="comparaison-scenarios.{fmt}"'}
        return Response(body, mimetype=mimetype, headers=headers)
    sort = request.args.get("tri", "change")
    sort = sort if sort in comparison.MEMBER_SORTS else "change"
    roles = comparison.keyed_rows(cols, "roles", ("served", "unserved"))
    return render_template(
        "scenarios/compare.html",
        error=None,
        scenarios=scenarios,
        cols=cols,
        rows=comparison.summary_rows(cols),
        members=comparison.member_rows(cols, sort),
        sort=sort,
        roles=roles,
        experts=comparison.keyed_rows(cols, "experts", ("free", "proposed")),
        envelopes=comparison.keyed_rows(cols, "envelopes", ("drawn", "total")),
        sentences=[(s, comparison.sentence(s)) for s in scenarios],
        charts=comparison.charts(cols, roles),
        same_base=len({s.base for s in scenarios}) == 1,
    )
