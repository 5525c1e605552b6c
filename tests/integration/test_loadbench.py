"""The load harness serves the benchmark pool through gunicorn and measures pages as their users see them."""

import re

from expertpool.loadbench.__main__ import main


def test_the_harness_measures_signed_in_pages_without_errors(capsys, db_kind):
    database = "postgresql" if db_kind == "postgresql" else "sqlite"
    arguments = ["--scale", "small", "--database", database, "--requests", "2", "--clients", "2", "--only", "home"]
    assert main(arguments) == 0
    output = capsys.readouterr().out
    measured = re.compile(r"^(bare route|member home|coordinator home) ")
    rows = {line[:20].strip(): line for line in output.splitlines() if measured.match(line)}
    assert set(rows) == {"bare route", "member home", "coordinator home"}, output
    for name, line in rows.items():
        # Every request answered 200: the forged sessions are accepted, nothing redirects to the login.
        assert re.search(r"\s200:\d+$", line), f"{name}: {line}"
    assert re.search(r"\d+ members, \d+ experts", output)
