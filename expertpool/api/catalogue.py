"""The experts catalogue (what members browse before asking): the catalogue's own search."""

from expertpool.api import schemas
from expertpool.api.access import get_or_404
from expertpool.api.core import FIRST_ITEM_ID, PageArgs, bp, link, operation, page_of_list, page_schema
from expertpool.api_problems import ApiProblem
from expertpool.api_tokens import READ
from expertpool.catalogue.queries import find_experts
from expertpool.models import Expert


class ExpertListArgs(schemas.ExpertFilters, PageArgs):
    pass


@bp.route("/experts")
@operation(
    READ,
    "List the active experts (the catalogue's search and filters)",
    links={
        200: {
            "read": link("read_expert", "Read the first expert", expert_id=FIRST_ITEM_ID),
            "unavailability": link("list_unavailability", "Its unavailability", expert_id=FIRST_ITEM_ID),
        }
    },
)
@bp.arguments(ExpertListArgs, location="query", error_status_code=400)
@bp.response(200, page_schema(schemas.ExpertOut, "ExpertPage"))
def list_experts(args):
    rows = find_experts(text=args["q"], role_id=args["role_id"], skill_id=args["skill_id"], mode=args["mode"])
    return page_of_list(rows, args)


@bp.route("/experts/<int:expert_id>")
@operation(READ, "Read one active expert", errors=(404,))
@bp.response(200, schemas.ExpertOut)
def read_expert(expert_id: int):
    expert = get_or_404(Expert, expert_id)
    if not expert.active:
        raise ApiProblem(404)
    return expert
