"""`python -m expertpool.loadbench`: serve the benchmark pool with gunicorn and print each page's figures."""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from expertpool.loadbench.data import API_READERS, BenchPool, build_pool, fresh_postgres_url
from expertpool.loadbench.load import Client, Page, measure, summary
from expertpool.loadbench.outage import run_outage
from expertpool.loadbench.server import gunicorn, server_environment, session_cookies

POSTGRES_ADMIN_URL = os.environ.get(
    "EXPERTPOOL_BENCH_POSTGRES_ADMIN_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres"
)
BARE = Page("bare route", "/__bench/bare", None)


def pages(pool: BenchPool) -> list[Page]:
    monday = "2027-09-06"
    return [
        Page("member home", "/mon-espace", "member"),
        Page("marketplace", "/experts/", "member"),
        Page("my requests", "/demandes", "member"),
        Page("a request", f"/demandes/{pool.request_id}", "member"),
        Page("coordinator home", "/coordination/", "coordinator"),
        Page("approval queue", "/coordination/demandes", "coordinator"),
        Page("members", "/coordination/membres", "coordinator"),
        Page("audit log", "/coordination/journal", "coordinator"),
        Page("dashboard", f"/rapports/?period={pool.period_id}", "coordinator"),
        Page("utilisation", f"/rapports/occupation?period={pool.period_id}", "coordinator"),
        Page("planning", "/planification/", "coordinator"),
        Page("planning history", "/planification/historique", "coordinator"),
        Page("planning bookings", "/planification/reservations", "coordinator"),
        # Issue 15: every expert × 13 weeks of half-days, and the month view.
        Page("timeline quarter", f"/planification/calendrier?view=quarter&start={monday}", "coordinator"),
        Page("timeline month", "/planification/calendrier?view=month&start=2027-09-01", "coordinator"),
        Page("expert interventions", f"/agenda/experts/{pool.expert_id}/interventions", "coordinator"),
        Page("agenda week", f"/agenda/experts/{pool.expert_id}/semaine?semaine={monday}", "expert"),
        Page("agenda month", f"/agenda/experts/{pool.expert_id}/mois?mois=2027-09", "expert"),
        Page("statement HTML", f"/rapports/membres/{pool.member_id}/etat?period={pool.period_id}", "coordinator"),
        Page("statement PDF", f"/rapports/membres/{pool.member_id}/etat.pdf?period={pool.period_id}", "coordinator"),
        Page("expert feed", f"/feeds/experts/{pool.expert_feed}.ics", None),
        Page("member feed", f"/feeds/membres/{pool.member_feed}.ics", None),
        # Issue 14: the JSON API's main lists (first page, default size), each with its reader's token.
        *(
            Page(name, path, API_READERS[name], token=pool.tokens[name])
            for name, path in (
                ("api experts", "/api/v1/experts"),
                ("api requests", "/api/v1/requests"),
                ("api queue", "/api/v1/queue"),
                ("api members", "/api/v1/members"),
            )
        ),
    ]


def conditional_fetch(base: str, page: Page) -> str:
    """A calendar app's refetch: the feed again with If-None-Match, or why it cannot be conditional."""
    client = Client(base, None)
    _, _, headers, _ = client.get(page.path)
    if "etag" not in headers:
        client.close()
        return "no ETag"
    timings = []
    for _ in range(10):
        seconds, status, headers, _ = client.get(page.path, {"If-None-Match": headers["etag"]})
        timings.append((seconds, status, float(headers.get("x-bench-cpu-ms", "nan"))))
    client.close()
    statuses = {status for _, status, _ in timings}
    best = min(timings)
    return f"status {sorted(statuses)}, best {best[0] * 1000:.1f} ms, cpu {best[2]:.1f} ms"


def fmt(value: float, digits: int = 0) -> str:
    return "n/a" if isinstance(value, float) and math.isnan(value) else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="regional", help="generator scale: small, regional, interregional")
    parser.add_argument("--database", choices=("auto", "postgresql", "sqlite"), default="auto")
    parser.add_argument("--requests", type=int, default=20, help="requests per page for the single client")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--cap-seconds", type=float, default=60.0, help="time cap per page and phase")
    parser.add_argument(
        "--only", help="only the pages whose name contains this text (several texts: separated by commas)"
    )
    parser.add_argument(
        "--outage",
        choices=("after", "only", "no"),
        default="after",
        help="on PostgreSQL, cut the database under load after the measures (or instead of them)",
    )
    parser.add_argument(
        "--outage-mode",
        choices=("cut", "restart"),
        default="cut",
        help="cut: kill and refuse the bench database's connections; restart: restart the PostgreSQL server",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="expertpool-load-") as folder:
        url = None
        if args.database in ("auto", "postgresql"):
            # Helpers running side by side set a suffix (as for the test databases): each its own database.
            suffix = os.environ.get("EXPERTPOOL_TEST_POSTGRES_SUFFIX", "")
            url = fresh_postgres_url(POSTGRES_ADMIN_URL, f"expertpool_bench_{args.scale}{suffix}")
            if url is None and args.database == "postgresql":
                print("PostgreSQL is not reachable", file=sys.stderr)
                return 1
        url = url or "sqlite:///" + str(Path(folder) / "bench.sqlite3")
        started = time.perf_counter()
        pool = build_pool(url, scale=args.scale)
        figures = pool.figures
        print(
            f"pool: {figures['members']} members, {figures['experts']} experts, {figures['requests']} requests, "
            f"{figures['bookings']} bookings, {figures['waiting_requests']} waiting; built in "
            f"{time.perf_counter() - started:.1f} s on {url.split(':', 1)[0]}"
        )
        env = server_environment(url)
        cookie_name, cookies = session_cookies(env, pool.users)
        with gunicorn(env, Path(folder) / "gunicorn.log") as (base, _process):
            bare_one = measure(
                base, BARE, None, clients=1, requests_each=args.requests * 5, cap_seconds=args.cap_seconds
            )
            bare_eight = measure(
                base, BARE, None, clients=args.clients, requests_each=args.requests, cap_seconds=args.cap_seconds
            )
            bare = summary(bare_one, bare_eight, 0)
            if args.outage == "only":
                return (
                    outage_drill(base, pool, cookie_name, cookies, url, args.outage_mode)
                    if url.startswith("postgresql")
                    else 1
                )
            print(
                f"gunicorn -w 4, {args.requests} requests by one client then {args.clients}×{args.requests // 2} "
                f"at once per page; ratio = p50 / bare route p50 ({bare['p50_ms']:.2f} ms)"
            )
            header = (
                f"{'page':<20} {'p50':>7} {'p95':>7} {'p50×8':>7} {'p95×8':>7} {'cpu ms':>7} {'sql':>4} "
                f"{'ratio':>6} {'KB':>6}  statuses"
            )
            print(header)
            print("-" * len(header))
            rows = [BARE, *pages(pool)]
            wanted = [text.strip().lower() for text in args.only.split(",")] if args.only else []

            def chosen(page: Page) -> bool:
                return not wanted or any(text in page.name.lower() for text in wanted)

            for page in rows:
                if not chosen(page) and page is not BARE:
                    continue
                cookie = f"{cookie_name}={cookies[page.role]}" if page.role and not page.token else None
                if page is BARE:
                    result = bare
                else:
                    one = measure(
                        base, page, cookie, clients=1, requests_each=args.requests, cap_seconds=args.cap_seconds
                    )
                    eight = measure(
                        base,
                        page,
                        cookie,
                        clients=args.clients,
                        requests_each=max(1, args.requests // 2),
                        cap_seconds=args.cap_seconds,
                    )
                    result = summary(one, eight, bare["p50_ms"] / 1000)
                statuses = " ".join(f"{code}:{count}" for code, count in sorted(result["statuses"].items()))
                print(
                    f"{page.name:<20} {fmt(result['p50_ms'], 1):>7} {fmt(result['p95_ms'], 1):>7} "
                    f"{fmt(result['p50_8_ms'], 1):>7} {fmt(result['p95_8_ms'], 1):>7} {fmt(result['cpu_ms'], 1):>7} "
                    f"{result['sql']:>4} {fmt(result['ratio'], 1):>6} {result['kb']:>6.0f}  {statuses}"
                )
            for page in rows:
                if page.name.endswith("feed") and chosen(page):
                    print(f"{page.name} refetch with If-None-Match: {conditional_fetch(base, page)}")
            if args.outage != "no" and url.startswith("postgresql"):
                return outage_drill(base, pool, cookie_name, cookies, url, args.outage_mode)
    return 0


def outage_drill(
    base: str, pool: BenchPool, cookie_name: str, cookies: dict[str, str], url: str, mode: str = "cut"
) -> int:
    """The database cut for a few seconds under load: only 200s and French 503s may come back."""
    drill_pages = [
        (page, f"{cookie_name}={cookies[page.role]}" if page.role else None)
        for page in pages(pool)
        if page.name in ("member home", "marketplace", "coordinator home", "agenda week", "expert feed")
    ]
    database = url.rsplit("/", 1)[1]
    report = run_outage(base, drill_pages, admin_url=POSTGRES_ADMIN_URL, database=database, mode=mode)
    what = "PostgreSQL restarted" if mode == "restart" else "connections killed and refused for 5 s"
    print(f"database lost under load (4 clients; {what}):")
    for line in report.lines():
        print("  " + line)
    recovered = report.after.get("200", 0) > 0 and set(report.after) == {"200"}
    print(f"  answers other than 200 or a French 503: {report.failures}; recovered: {'yes' if recovered else 'no'}")
    return 0 if report.failures == 0 and recovered else 1


if __name__ == "__main__":
    sys.exit(main())
