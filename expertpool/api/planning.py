"""Planning runs: preview, commit and read (expertpool.planning.service, as the planning page calls it)."""

from expertpool.allocation.model import ProblemError
from expertpool.api import schemas
from expertpool.api.access import get_or_404, require_staff, user
from expertpool.api.core import THE_ID, bp, link, operation
from expertpool.api_problems import ApiProblem
from expertpool.api_tokens import COORDINATION_WRITE, READ
from expertpool.models import AllocationRun, RunMode
from expertpool.planning.service import AllocationBusy, run_allocation
from expertpool.timeutil import now_utc


def _run(mode: str, data: dict) -> AllocationRun:
    require_staff()
    try:
        return run_allocation(
            actor=user(), now=now_utc(), mode=mode, horizon_start=data["horizon_start"], weeks=data["weeks"]
        )
    except (AllocationBusy, ProblemError) as exc:
        raise ApiProblem(409, str(exc)) from exc


READ_THE_RUN = {201: {"read": link("read_run", "Read the run", run_id=THE_ID)}}


@bp.route("/planning/previews", methods=["POST"])
@operation(
    COORDINATION_WRITE, "Preview a planning run (writes only the run and its plan)", errors=(409,), links=READ_THE_RUN
)
@bp.arguments(schemas.RunIn, error_status_code=400)
@bp.response(201, schemas.RunOut)
def preview(data):
    return _run(RunMode.PREVIEW, data)


@bp.route("/planning/runs", methods=["POST"])
@operation(
    COORDINATION_WRITE,
    "Run the planning and book the half-days (one transaction)",
    errors=(409,),
    links=READ_THE_RUN,
)
@bp.arguments(schemas.RunIn, error_status_code=400)
@bp.response(201, schemas.RunOut)
def commit(data):
    return _run(RunMode.COMMIT, data)


@bp.route("/planning/runs/<int:run_id>")
@operation(READ, "Read a planning run (preview or commit)", errors=(404,))
@bp.response(200, schemas.RunOut)
def read_run(run_id: int):
    require_staff()
    return get_or_404(AllocationRun, run_id)
