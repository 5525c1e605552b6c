"""Pages of lists for the `pagination` macro: a SELECT paged in SQL, or a list already in memory."""

from dataclasses import dataclass
from typing import Any

from expertpool.extensions import db


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[Any]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate_list(rows: list, page: int, per_page: int) -> ListPage:
    """The `page`-th slice of `rows` (a page past the end shows the last one, page 0 or less the first)."""
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    return ListPage(rows[(page - 1) * per_page : page * per_page], page, pages, len(rows))


MAX_PAGE = 100_000  # beyond it an offset only makes the database work for nothing


def requested_page(args) -> int:
    """The `page` of a query string (a MultiDict), 1 when missing or not a number, kept within 1–MAX_PAGE."""
    return min(max(1, args.get("page", 1, type=int)), MAX_PAGE)


def paginate_query(query, args, per_page: int):
    """One page of a SELECT, paged in SQL (LIMIT/OFFSET and a COUNT), for the `pagination` macro.

    The page comes from the query string `args`; a page past the end shows the last one (a list that
    shrank while someone was on its last page), never an error.
    """
    page = db.paginate(query, page=requested_page(args), per_page=per_page, error_out=False)
    if not page.items and page.page > 1 and page.total:
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page
