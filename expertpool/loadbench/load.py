"""Bounded load on loopback: each page fetched by one client, then by eight at once, with its figures."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    role: str | None  # whose session fetches it; None for feeds and the bare route
    token: str | None = None  # an API list: the reader's token (Authorization: Bearer), no session cookie


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    size: int = 0

    def add(self, seconds: float, status: int, headers: dict[str, str], size: int) -> None:
        self.seconds.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if "x-bench-cpu-ms" in headers:
            self.cpu_ms.append(float(headers["x-bench-cpu-ms"]))
            self.statements.append(int(headers["x-bench-sql"]))
        self.size = size


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Client:
    """One keep-alive connection with a session cookie, like one browser tab (or an API token, like a script)."""

    def __init__(self, base: str, cookie: str | None, token: str | None = None):
        self.netloc = urlsplit(base).netloc
        self.cookie = cookie
        self.token = token
        self.connection = http.client.HTTPConnection(self.netloc, timeout=60)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[float, int, dict[str, str], bytes]:
        sent = {"Accept-Language": "fr", **(headers or {})}
        if self.cookie:
            sent["Cookie"] = self.cookie
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        started = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=sent)
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.netloc, timeout=60)
            return time.perf_counter() - started, 0, {}, b""
        elapsed = time.perf_counter() - started
        return elapsed, response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def close(self) -> None:
        self.connection.close()


def measure(base: str, page: Page, cookie: str | None, *, clients: int, requests_each: int, cap_seconds: float):
    """Fetch `page` `requests_each` times from each of `clients` concurrent clients (after a warm-up)."""
    sample = Sample()
    lock = threading.Lock()
    deadline = time.monotonic() + cap_seconds

    def work():
        client = Client(base, cookie, page.token)
        client.get(page.path)  # warm-up: connection, worker caches
        for _ in range(requests_each):
            if time.monotonic() > deadline:
                break
            seconds, status, headers, body = client.get(page.path)
            with lock:
                sample.add(seconds, status, headers, len(body))
        client.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sample


def summary(one: Sample, eight: Sample, bare_p50: float) -> dict:
    p50 = percentile(one.seconds, 0.5)
    return {
        "p50_ms": p50 * 1000,
        "p95_ms": percentile(one.seconds, 0.95) * 1000,
        "p50_8_ms": percentile(eight.seconds, 0.5) * 1000,
        "p95_8_ms": percentile(eight.seconds, 0.95) * 1000,
        "cpu_ms": statistics.median(one.cpu_ms) if one.cpu_ms else float("nan"),
        "sql": max(one.statements) if one.statements else 0,
        "ratio": p50 / bare_p50 if bare_p50 else float("nan"),
        "kb": one.size / 1024,
        "statuses": {**one.statuses, **{k: v + one.statuses.get(k, 0) for k, v in eight.statuses.items()}},
    }
