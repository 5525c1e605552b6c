"""The dashboard benchmark runs end to end (on the generator's small scale, to stay quick)."""

from expertpool.reports.bench import bench_dashboard


def test_bench_dashboard_small_scale():
    result = bench_dashboard(seed=3, repeats=1, scale="small")
    assert result["members"] == 30
    assert result["bookings"] > 0
    assert result["dashboard_seconds"] > 0
    assert 0 < result["dashboard_queries"] <= 25
    assert result["dashboard_sorted_page_5"]["queries"] == result["dashboard_queries"]


def test_bench_data_passes_the_apps_own_invariants(tmp_path):
    """Figures measured on impossible data mean nothing: the benchmark pool obeys the app's rules."""
    from expertpool import create_app
    from expertpool.bench_pool import TODAY, build_database
    from expertpool.extensions import db
    from expertpool.invariants import check_invariants

    url = "sqlite:///" + str(tmp_path / "bench.sqlite3")
    built = build_database(url, seed=5, scale="small")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        assert check_invariants(db.session, today=TODAY) == []
        db.engine.dispose()
    assert built["bookings"] > 0
