"""The page number of a paginated list, from the query string, kept in a range the database accepts."""

from flask import request

MAX_PAGE = 100_000


def page_number() -> int:
    return min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
