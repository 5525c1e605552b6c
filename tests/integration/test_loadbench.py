"""The load harness serves the benchmark pool through gunicorn and measures pages as their users see them."""

import re

from expertpool.loadbench.__main__ import main


def test_the_harness_measures_signed_in_pages_without_errors(capsys, db_kind):
    database = "postgresql" if db_kind == "postgresql" else "sqlite"
    arguments = [
        "--scale",
        "small",
        "--database",
        database,
        "--requests",
        "2",
        "--clients",
        "2",
        "--only",
        "home,api requests,api members",
        # The outage drill has its own test (tests/trust/test_trust_outage_under_load.py): not twice.
        "--outage",
        "no",
    ]
    assert main(arguments) == 0
    output = capsys.readouterr().out
    # The API's lists are read with their readers' tokens (a member's and a coordinator's), no cookie.
    measured = re.compile(r"^(bare route|member home|coordinator home|api requests|api members) ")
    rows = {line[:20].strip(): line for line in output.splitlines() if measured.match(line)}
    assert set(rows) == {"bare route", "member home", "coordinator home", "api requests", "api members"}, output
    for name, line in rows.items():
        # Every request answered 200: the forged sessions and the tokens are accepted, nothing redirects to the
        # login, no 401 and no 429 (each list has its own token, under the per-token rate limit).
        assert re.search(r"\s200:\d+$", line), f"{name}: {line}"
    assert re.search(r"\d+ members, \d+ experts", output)
