"""One page of a list already in memory, shaped like Flask-SQLAlchemy's pagination for the `pagination` macro."""

from dataclasses import dataclass
from typing import Any


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
