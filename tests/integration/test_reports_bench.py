"""The dashboard benchmark runs end to end (on the generator's small scale, to stay quick)."""

from expertpool.reports.bench import bench_dashboard


def test_bench_dashboard_small_scale():
    result = bench_dashboard(seed=3, repeats=1, scale="small")
    assert result["members"] == 30
    assert result["bookings"] > 0
    assert result["dashboard_seconds"] > 0
    assert 0 < result["dashboard_queries"] <= 25
    assert result["dashboard_sorted_page_5"]["queries"] == result["dashboard_queries"]
