"""Reports: the blueprint (coordinator dashboard, utilisation, savings, exports; every member's yearly statement)."""

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from expertpool import quotas, quotes, spreadsheet_datasets
from expertpool.extensions import db
from expertpool.list_page import requested_page
from expertpool.models import InterventionRequest, Member, PoolSettings, UserRole
from expertpool.permissions import can_view_statement, roles_required, staff_required
from expertpool.reports import exports, member_figures
from expertpool.reports import statement as statements
from expertpool.reports.activity import member_ratings, satisfaction
from expertpool.reports.charts import LEVEL_BAND_LABELS, dashboard_charts, utilisation_chart
from expertpool.reports.dashboard import build_dashboard, member_listing
from expertpool.reports.forms import ExportForm, PeriodForm
from expertpool.reports.pdf import quote_pdf, statement_pdf
from expertpool.reports.report_periods import all_periods, default_period
from expertpool.reports.statement_data import build_statement
from expertpool.reports.utilisation import utilisation
from expertpool.timeutil import now_utc, today_paris

bp = Blueprint("reports", __name__, url_prefix="/rapports")

PAGE_SIZE = 50
SHOW_FILTERS = ("all", "over", "unused")


def _period_choice():
    """(periods, form, period, status): the period chosen in the query string, or today's (else the latest)
    when none or a bad one was given (status 400 then, with the French message next to the selector)."""
    periods = all_periods()
    form = PeriodForm(request.args)
    form.set_choices(periods)
    status = 400 if request.args.get("period") and not form.validate() else 200
    chosen = {p.id: p for p in periods}.get(form.period.data) if status == 200 else None
    period = chosen or default_period(periods, today_paris())
    form.period.data = period.id if period else None
    return periods, form, period, status


def _listing_args() -> tuple[str, bool, str, int]:
    """Sort key, direction, filter and page from the query string (unknown values fall back quietly)."""
    sort = request.args.get("sort", "name")
    sort = sort if sort in member_figures.SORT_KEYS else "name"
    descending = request.args.get("dir") == "desc"
    show = request.args.get("show", "all")
    show = show if show in SHOW_FILTERS else "all"
    return sort, descending, show, requested_page(request.args)


@bp.route("/")
@staff_required
def dashboard():
    _periods, form, period, status = _period_choice()
    sort, descending, show, page = _listing_args()
    data = build_dashboard(period, sort=sort, descending=descending, show=show, page=page, per_page=PAGE_SIZE)
    return render_template(
        "reports/dashboard.html",
        form=form,
        data=data,
        period=period,
        rows=data.page.items,
        matching=data.page.total,
        sort=sort,
        descending=descending,
        show=show,
        page=data.page,
        charts=dashboard_charts(data, data.page.items),
        band_labels=LEVEL_BAND_LABELS,
    ), status


@bp.route("/occupation")
@staff_required
def utilisation_report():
    """The experts' utilisation over a period: weekly and per expert (a page of its own, off the
    dashboard: it walks every active expert's calendar)."""
    _periods, form, period, status = _period_choice()
    use = utilisation(period, PoolSettings.load(db.session).holidays_region)
    return render_template(
        "reports/utilisation.html", form=form, period=period, use=use, chart_spec=utilisation_chart(use)
    ), status


@bp.route("/economies")
@staff_required
def savings():
    _periods, form, period, status = _period_choice()
    sort, descending, _show, page = _listing_args()
    shown, totals = member_listing(period, sort=sort, descending=descending, show="all", page=page, per_page=PAGE_SIZE)
    return render_template(
        "reports/savings.html",
        form=form,
        period=period,
        totals=totals,
        rows=shown.items,
        sort=sort,
        descending=descending,
        page=shown,
        unit_price_cents=quotas.unit_price_cents(),
    ), status


@bp.route("/exports")
@staff_required
def export():
    periods = all_periods()
    members = db.session.execute(select(Member.id, Member.name).order_by(Member.name, Member.id)).all()
    form = ExportForm(request.args)
    form.set_choices(periods, members)
    if "dataset" not in request.args:
        current = default_period(periods, today_paris())
        form.period.data = current.id if current else None
        return render_template("reports/exports.html", form=form)
    if not form.validate():
        return render_template("reports/exports.html", form=form), 400
    period = {p.id: p for p in periods}.get(form.period.data)
    dataset = exports.build(form.dataset.data, period, form.member.data)
    body, mimetype = spreadsheet_datasets.render(dataset, form.fmt.data)
    name = exports.filename(form.dataset.data, period, form.member.data, form.fmt.data)
    return _download(body, mimetype, name)


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- statements ------------------------------------------------------------------------------------


def _statement_context(member_id: int):
    """Load the member (404, also for another member's), the period and the statement."""
    member = db.session.get(Member, member_id)
    if member is None or not can_view_statement(current_user, member):
        abort(404)
    periods, form, period, status = _period_choice()
    st = build_statement(member, period) if period else None
    return member, periods, form, period, st, status


STATEMENT_ROLES = (UserRole.MEMBER, UserRole.COORDINATOR, UserRole.ADMIN)


@bp.route("/membres/<int:member_id>/etat")
@roles_required(*STATEMENT_ROLES)
def statement(member_id: int):
    member, _periods, form, period, st, status = _statement_context(member_id)
    return render_template(
        "reports/statement.html",
        member=member,
        form=form,
        period=period,
        st=st,
        today=today_paris(),
        summary=statements.summary(st) if st else [],
        billing_rule=statements.billing_rule(),
        statement_critical_mention=statements.critical_mention(),
        legal_basis=statements.legal_basis(),
    ), status


@bp.route("/membres/<int:member_id>/etat.pdf")
@roles_required(*STATEMENT_ROLES)
def statement_pdf_download(member_id: int):
    member, _periods, _form, period, st, status = _statement_context(member_id)
    if st is None or status != 200:
        abort(404)
    body = statement_pdf(st, PoolSettings.load(db.session).name)
    return _download(body, "application/pdf", _statement_filename(member, period, "pdf"))


@bp.route("/membres/<int:member_id>/etat.csv")
@roles_required(*STATEMENT_ROLES)
def statement_csv(member_id: int):
    member, _periods, _form, period, st, status = _statement_context(member_id)
    if st is None or status != 200:
        abort(404)
    return _download(
        statements.to_csv(st), spreadsheet_datasets.CSV_MIMETYPE, _statement_filename(member, period, "csv")
    )


@bp.route("/demandes/<int:request_id>/devis.pdf")
@roles_required(*STATEMENT_ROLES)
def quote_pdf_download(request_id: int):
    """A request's quote, printable: its member's users (and an EPCI's, for its communes) and the staff."""
    req = db.session.get(InterventionRequest, request_id)
    if req is None or not can_view_statement(current_user, req.member):
        abort(404)
    quote = quotes.printable_quote(req, now_utc())
    if quote is None:
        abort(404)
    body = quote_pdf(req, quote, PoolSettings.load(db.session).name)
    return _download(body, "application/pdf", f"devis-demande-{req.id}.pdf")


def _statement_filename(member, period, ext: str) -> str:
    return f"etat-annuel-recours-{period.start_date:%Y}-membre-{member.id}.{ext}"


@bp.route("/mon-bilan")
@roles_required(UserRole.MEMBER)
def member_statement():
    member, periods, form, period, st, status = _statement_context(current_user.member_id)
    return render_template(
        "reports/member.html",
        member=member,
        form=form,
        period=period,
        st=st,
        summary=statements.summary(st) if st else [],
        billing_rule=statements.billing_rule(),
        statement_critical_mention=statements.critical_mention(),
        history=member_figures.member_history(member.id, periods),
        ratings=member_ratings(member.id),
        satisfaction=satisfaction(period, member.id) if period else None,
    ), status
