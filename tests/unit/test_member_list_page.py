"""One page of an in-memory list (marketplace, report tables): slicing, bounds, and the page number read
from a query string."""

import pytest
from werkzeug.datastructures import MultiDict

from expertpool.list_page import MAX_PAGE, paginate_list, requested_page


@pytest.mark.parametrize(
    ("page", "items", "shown_page"),
    [
        (1, [0, 1, 2], 1),
        (2, [3, 4, 5], 2),
        (4, [9], 4),
        (5, [9], 4),
        (0, [0, 1, 2], 1),
        (-3, [0, 1, 2], 1),
    ],
)
def test_pages_are_slices_and_out_of_range_pages_show_a_real_one(page, items, shown_page):
    shown = paginate_list(list(range(10)), page, 3)
    assert shown.items == items and shown.page == shown_page
    assert (shown.pages, shown.total) == (4, 10)
    assert shown.has_prev == (shown_page > 1) and shown.has_next == (shown_page < 4)
    assert (shown.prev_num, shown.next_num) == (shown_page - 1, shown_page + 1)


def test_an_empty_list_has_one_empty_page():
    shown = paginate_list([], 3, 24)
    assert (shown.items, shown.page, shown.pages, shown.total) == ([], 1, 1, 0)
    assert not shown.has_prev and not shown.has_next


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, 1),
        ({"page": "3"}, 3),
        ({"page": "abc"}, 1),
        ({"page": "-2"}, 1),
        ({"page": "0"}, 1),
        ({"page": "1e3"}, 1),
        ({"page": "9" * 30}, MAX_PAGE),
    ],
)
def test_the_requested_page_is_a_bounded_number(args, expected):
    assert requested_page(MultiDict(args)) == expected
