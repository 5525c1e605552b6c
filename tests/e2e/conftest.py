"""Browser fixtures: Debian's chromium driven by Playwright (sync API), and the app served by a live
werkzeug server thread over a temporary SQLite file with committed data.

Without /usr/bin/chromium the browser tests skip with a clear message, except under CI=true, where a
missing browser is a failure (.ci/run installs the `chromium` package).
"""

import os
import threading
from pathlib import Path

import pytest
from factories import KNOWN_PASSWORD, Factory
from trust.world import build_world
from werkzeug.serving import make_server

from expertpool import create_app
from expertpool.auth.services import hash_password
from expertpool.extensions import db as _db

CHROMIUM = os.environ.get("EXPERTPOOL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)"
        if _in_ci():
            pytest.fail(message + ": browser tests are required under CI=true")
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - a dev dependency
        pytest.fail(f"the playwright package is missing: {exc}")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture(scope="module")
def live_app_settings() -> dict:
    """More settings for a module's live app (a test module overrides this fixture)."""
    return {}


@pytest.fixture(scope="module")
def live_app(tmp_path_factory, live_app_settings):
    """An app over its own SQLite file, CSRF on as in production; errors render the 500 page."""
    path = tmp_path_factory.mktemp("e2e") / "expertpool-e2e.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "WTF_CSRF_ENABLED": True,
            "PROPAGATE_UNEXPECTED": False,
            "EXPERTPOOL_BASE_URL": "http://127.0.0.1",
            **live_app_settings,
        }
    )
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(scope="module")
def seeded(live_app):
    """The trust suite's world, committed; every account has the known password.
    Returns plain values: {"emails": {role: email}, "ids": {...}}."""
    with live_app.app_context(), live_app.test_request_context():
        world = build_world(Factory(_db.session))
        password_hash = hash_password(KNOWN_PASSWORD)
        for user in world.users.values():
            user.password_hash = password_hash
        emails = {role: user.email for role, user in world.users.items()}
        _db.session.commit()
        _db.session.remove()
    return {"emails": emails, "ids": world.ids}


@pytest.fixture(scope="module")
def live_server(live_app):
    server = LiveServer(live_app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def new_page(browser, live_server):
    """new_page() -> a page in a fresh browser context (own cookies), closed after the test."""
    contexts = []

    def _new_page(width=1280, height=900):
        context = browser.new_context(
            base_url=live_server.url, locale="fr-FR", viewport={"width": width, "height": height}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def login():
    return _login


@pytest.fixture
def axe():
    return _run_axe


def _login(page, email: str, password: str = KNOWN_PASSWORD) -> None:
    page.goto("/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert "/compte/connexion" not in page.url, f"login failed for {email}: {page.inner_text('main')[:300]}"


def _run_axe(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the current page.

    The CSP forbids injected inline scripts, so axe is evaluated as an expression (page.evaluate runs
    through the DevTools protocol, which the CSP does not govern).
    """
    page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
