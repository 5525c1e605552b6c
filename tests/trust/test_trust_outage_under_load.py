"""A PostgreSQL outage under load (issue 12): users get French 503 pages only, and the workers recover."""

import pytest

from expertpool.loadbench.__main__ import main


@pytest.mark.slow
def test_database_lost_under_load_gives_french_503_pages_only(capsys, db_kind):
    if db_kind != "postgresql":
        pytest.skip("the drill cuts a PostgreSQL database")
    status = main(["--scale", "small", "--database", "postgresql", "--outage", "only"])
    output = capsys.readouterr().out
    assert status == 0, output
    during = next(line for line in output.splitlines() if line.strip().startswith("during"))
    assert "503 fr" in during, output
