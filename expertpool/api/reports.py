"""The yearly statement as JSON (expertpool.reports: the figures of its page and PDF) and the report
datasets the coordinators export (the same builders as the CSV/XLSX exports)."""

from datetime import date, datetime
from decimal import Decimal

from expertpool import permissions
from expertpool.api import schemas
from expertpool.api.access import allowed_or_404, get_or_404, require_staff, user
from expertpool.api.core import bp, operation
from expertpool.api.members import period_or_404
from expertpool.api_problems import ApiProblem
from expertpool.api_tokens import READ
from expertpool.models import Member
from expertpool.reports import exports
from expertpool.reports import statement as statements
from expertpool.reports.statement_data import build_statement


@bp.route("/members/<int:member_id>/statement")
@operation(READ, "A member's yearly statement of use (CGCT D.5211-16) for a period", errors=(404,))
@bp.arguments(schemas.PositionArgs, location="query", error_status_code=400)
@bp.response(200, schemas.StatementOut)
def statement(args, member_id: int):
    member = get_or_404(Member, member_id)
    allowed_or_404(permissions.can_view_statement(user(), member))
    period = period_or_404(args["period_id"])
    if period is None:
        raise ApiProblem(404)
    st = build_statement(member, period)
    return {
        "member": member,
        "period": period,
        "unit_price_cents": st.unit_price_cents,
        "summary": statements.summary(st),
        "billing_rule": statements.billing_rule(),
        "legal_basis": statements.legal_basis(),
        "lines": st.lines,
    }


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@bp.route("/reports/datasets/<string:name>")
@operation(READ, "A report dataset (membres, droits, demandes, reservations, evaluations) as JSON", errors=(404,))
@bp.arguments(schemas.DatasetArgs, location="query", error_status_code=400)
@bp.response(200, schemas.DatasetOut)
def dataset(args, name: str):
    require_staff()
    if name not in exports.DATASETS:
        raise ApiProblem(404)
    period = period_or_404(args["period_id"]) if args["period_id"] is not None else None  # None: all periods
    built = exports.build(name, period, args["member_id"])
    return {
        "name": name,
        "columns": [str(column.title) for column in built.columns],
        "kinds": [column.kind for column in built.columns],
        "rows": [[_json_value(value) for value in row] for row in built.rows],
    }
