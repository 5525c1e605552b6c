"""Web security: CSRF on every POST route, headers, cookies, `next` redirects, size limits, login
throttling (database and Redis), and sessions that end on logout and on password change."""

import re
from datetime import timedelta

import pytest
from factories import KNOWN_PASSWORD
from trust.authz_matrix import MATRIX
from trust.routes import LOGIN_PATH, app_routes, build_url, client_as

from expertpool import create_app
from expertpool.auth.services import LoginThrottle
from expertpool.config import ConfigError, from_environment
from expertpool.extensions import db as _db
from expertpool.models import LoginFailure, UserRole
from expertpool.security import is_safe_next
from expertpool.timeutil import now_utc

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_MESSAGE = "Le formulaire a expiré"


def csrf_token_of(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_TOKEN.search(html)
    assert match, f"no csrf_token field on {url}"
    return match.group(1)


# --- CSRF -----------------------------------------------------------------------------------------


def post_routes(app):
    """Every POST of the pages. The JSON API's are not here: they take no cookie session at all (only a
    token), so a forged cross-site POST carries nothing they accept (see test_api_refuses_cookie_sessions)."""
    return [route for route in app_routes(app) if "POST" in route.methods and not route.endpoint.startswith("api.")]


def test_api_refuses_cookie_sessions(csrf_app, world):
    """With no CSRF check, the API's writes must refuse whoever a cookie says the caller is."""
    api_posts = [
        route for route in app_routes(csrf_app) if "POST" in route.methods and route.endpoint.startswith("api.")
    ]
    assert len(api_posts) >= 10
    client = client_as(csrf_app, world, "admin")
    for route in api_posts:
        entry = MATRIX.get(route.endpoint)
        url = build_url(csrf_app, route, world, entry.args if entry else {}, fallback=1)
        assert client.post(url, json={}).status_code == 401, url


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(csrf_app, world):
    stranger = csrf_app.test_client()
    foreign_token = csrf_token_of(stranger, "/compte/connexion")
    routes = post_routes(csrf_app)
    assert len(routes) >= 4
    failures = []
    for role in ("anonymous", "admin", "member_a", "expert_x"):
        client = client_as(csrf_app, world, role)
        # The client has its own token in its session, so the foreign one is really "another session's".
        own_token = csrf_token_of(client, "/compte/profil" if role != "anonymous" else "/compte/connexion")
        assert own_token != foreign_token
        for route in routes:
            entry = MATRIX.get(route.endpoint)
            url = build_url(csrf_app, route, world, entry.args if entry else {}, fallback=1)
            for label, data in (("no token", {}), ("another session's token", {"csrf_token": foreign_token})):
                response = client.post(url, data=data)
                if response.status_code != 400 or CSRF_MESSAGE not in response.get_data(as_text=True):
                    failures.append(f"POST {url} as {role} with {label}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_own_csrf_token_is_accepted(csrf_app, world):
    client = client_as(csrf_app, world, "member_a")
    token = csrf_token_of(client, "/compte/profil")
    response = client.post("/notifications/lues", data={"csrf_token": token})
    assert response.status_code == 302


# --- headers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/compte/connexion", "/static/css/app.css", "/nulle-part", "/coordination/"])
def test_security_headers_on_pages_errors_and_files(client, path):
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "unsafe-inline" not in csp  # no inline style either (style="" attributes are refused too)
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests


def test_hsts_when_served_over_https(app, client):
    assert "max-age=" in client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"]
    https_app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "EXPERTPOOL_HTTPS": True}
    )
    with https_app.app_context():
        response = https_app.test_client().get("/compte/connexion")
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
        _db.session.remove()
        _db.engine.dispose()


def test_production_config_marks_cookies_secure_httponly_samesite(tmp_path):
    settings = from_environment(str(tmp_path), env={"SECRET_KEY": "s" * 40})
    assert settings["EXPERTPOOL_HTTPS"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["REMEMBER_COOKIE_SECURE"] is True


def _set_cookie_header(response, name: str) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def test_session_cookie_flags_after_login_over_https(app, db, factory, tmp_path):
    factory.user(UserRole.MEMBER, email="cookie@example.org", password=KNOWN_PASSWORD)
    db.session.commit()
    settings = from_environment(str(tmp_path), env={"SECRET_KEY": "s" * 40})
    https_app = create_app(
        {**settings, "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )
    client = https_app.test_client()
    response = client.post(
        "/compte/connexion",
        base_url="https://localhost",
        data={"email": "cookie@example.org", "password": KNOWN_PASSWORD},
    )
    assert response.status_code == 302
    cookie = _set_cookie_header(response, "session")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with https_app.app_context():
        _db.engine.dispose()


def test_session_cookie_httponly_samesite_over_plain_http_in_development(client, factory):
    factory.user(UserRole.MEMBER, email="plain@example.org", password=KNOWN_PASSWORD)
    response = client.post("/compte/connexion", data={"email": "plain@example.org", "password": KNOWN_PASSWORD})
    cookie = _set_cookie_header(response, "session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- next redirects -------------------------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.com",
    "https://evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "javascript:alert(1)",
    "///evil.com",
    "http:evil.com",
    " //evil.com",
    "/\r\nLocation: https://evil.com",
    "//evil.com/%2F..",
    "\t//evil.com",
    "data:text/html,<script>alert(1)</script>",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_is_safe_next_refuses_other_sites(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/compte/profil", "/demandes?page=2", "/"])
def test_is_safe_next_accepts_local_paths(target):
    assert is_safe_next(target)


def _local(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


def test_login_and_language_switch_never_redirect_off_site(client, factory):
    factory.user(UserRole.MEMBER, email="next@example.org", password=KNOWN_PASSWORD)
    for target in HOSTILE_NEXT:
        response = client.get("/langue/fr", query_string={"next": target})
        assert response.status_code == 302 and _local(response.headers["Location"]), target
    for target in HOSTILE_NEXT[:5]:
        response = client.post(
            "/compte/connexion", data={"email": "next@example.org", "password": KNOWN_PASSWORD, "next": target}
        )
        assert response.status_code == 302 and _local(response.headers["Location"]), target
        client.post("/compte/deconnexion")
    response = client.post(
        "/compte/connexion", data={"email": "next@example.org", "password": KNOWN_PASSWORD, "next": "/compte/profil"}
    )
    assert response.headers["Location"] == "/compte/profil"


def test_login_redirect_keeps_a_relative_next(client):
    response = client.get("/compte/profil")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(LOGIN_PATH) and "next=%2Fcompte%2Fprofil" in location


# --- size limits and NUL bytes -----------------------------------------------------------------


def test_oversized_request_gets_a_friendly_413(client):
    body = "x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1024)
    response = client.post("/compte/connexion", data={"email": "a@example.org", "password": body})
    assert response.status_code == 413
    assert "trop volumineux" in response.get_data(as_text=True)


def test_oversized_multipart_text_field_gets_a_friendly_413(client):
    # Werkzeug applies MAX_FORM_MEMORY_SIZE to multipart text parts (a urlencoded body is bounded by
    # MAX_CONTENT_LENGTH, then by the forms' Length validators).
    body = "x" * (client.application.config["MAX_FORM_MEMORY_SIZE"] + 1024)
    # Encoded by hand: the test client would spool a body this large to a temporary file.
    multipart = b'--B\r\nContent-Disposition: form-data; name="email"\r\n\r\n' + body.encode() + b"\r\n--B--\r\n"
    response = client.post(
        "/compte/mot-de-passe-oublie", data=multipart, content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 413
    assert "trop volumineux" in response.get_data(as_text=True)


def test_nul_byte_in_a_form_or_url_is_refused_with_a_french_message(client):
    for response in (
        client.post("/compte/connexion", data={"email": "a\x00@example.org", "password": "x"}),
        client.get("/compte/connexion", query_string={"next": "/\x00"}),
        client.get("/feeds/experts/jeton%00nul.ics"),
    ):
        assert response.status_code == 400
        assert "caractère invalide" in response.get_data(as_text=True)


# --- login throttling -----------------------------------------------------------------------------


def _fail(client, email, ip):
    return client.post(
        "/compte/connexion", data={"email": email, "password": "mauvais mot de passe"}, environ_base={"REMOTE_ADDR": ip}
    )


def _login(client, email, ip, password=KNOWN_PASSWORD, **headers):
    return client.post(
        "/compte/connexion",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        headers=headers,
    )


def test_failures_from_elsewhere_never_lock_the_owner_out_and_the_owner_is_mailed(client, db, factory):
    """Ten wrong passwords from ten addresses: the owner still logs in from theirs, and is told once."""
    from expertpool.models import OutboxMail

    factory.user(UserRole.MEMBER, email="cible@example.org", name="Maire Cible", password=KNOWN_PASSWORD)
    for n in range(12):
        assert _fail(client, "cible@example.org", f"10.0.0.{n}").status_code == 400
    assert _login(client, "cible@example.org", "10.0.1.1").status_code == 302
    mails = db.session.query(OutboxMail).filter_by(recipient="cible@example.org").all()
    assert [(m.subject, m.body) for m in mails] == [
        (
            "Tentatives de connexion à votre compte",
            "Bonjour Maire Cible,\n\n10 tentatives de connexion à votre compte ont échoué ces 15 dernières minutes.\n"
            "Si ce n'était pas vous, quelqu'un essaie peut-être de deviner votre mot de passe : vous pouvez "
            "toujours vous connecter, et le changer ici :\nhttp://localhost/compte/mot-de-passe-oublie\n",
        )
    ]
    # Made-up accounts are counted too, but nobody is mailed.
    for n in range(10):
        _fail(client, "personne@example.org", f"10.0.2.{n}")
    assert db.session.query(OutboxMail).count() == 1


def test_eleventh_failure_of_one_account_from_one_address_is_refused_there_only(client, factory):
    factory.user(UserRole.MEMBER, email="paire@example.org", password=KNOWN_PASSWORD)
    for _ in range(10):
        assert _fail(client, "paire@example.org", "10.0.3.1").status_code == 400
    response = _login(client, "paire@example.org", "10.0.3.1")
    assert response.status_code == 429
    assert "Trop de tentatives de connexion. Réessayez dans 15 minutes." in response.get_data(as_text=True)
    assert _login(client, "paire@example.org", "10.0.3.2").status_code == 302


def test_too_many_failures_from_one_address_are_refused_for_any_account(client, address_limit, factory):
    factory.user(UserRole.MEMBER, email="victime@example.org", password=KNOWN_PASSWORD)
    for n in range(address_limit):
        assert _fail(client, f"essai{n}@example.org", "192.0.2.7").status_code == 400
    response = _login(client, "victime@example.org", "192.0.2.7")
    assert response.status_code == 429
    assert "Réessayez dans 15 minutes" in response.get_data(as_text=True)
    assert _login(client, "victime@example.org", "192.0.2.8").status_code == 302


@pytest.fixture
def address_limit(app, monkeypatch):
    """A smaller limit per address than production's, to keep the (argon2) failures few."""
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 12)
    return 12


@pytest.fixture
def behind_one_proxy(app, monkeypatch):
    """The session's app as configured with EXPERTPOOL_TRUSTED_PROXIES=1 (undone after the test)."""
    import expertpool.app

    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    expertpool.app.trust_proxies(app)
    return app


def test_behind_the_proxy_one_guesser_does_not_lock_out_everyone(behind_one_proxy, address_limit, client, factory):
    """Every request comes from the proxy's address: the client's one is in X-Forwarded-For."""
    factory.user(UserRole.MEMBER, email="voisin@example.org", password=KNOWN_PASSWORD)
    proxy = "127.0.0.1"
    for n in range(address_limit):
        response = _login(client, f"invente{n}@example.org", proxy, "mauvais", **{"X-Forwarded-For": "203.0.113.5"})
        assert response.status_code == 400
    assert (
        _login(client, f"invente{n}@example.org", proxy, "mauvais", **{"X-Forwarded-For": "203.0.113.5"}).status_code
        == 429
    )
    response = _login(
        client, "voisin@example.org", proxy, **{"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 302
    # Only the last hop is believed: a client cannot add addresses of its own in front.
    spoofed = {"X-Forwarded-For": "198.51.100.99, 203.0.113.5"}
    assert _login(behind_one_proxy.test_client(), "voisin@example.org", proxy, **spoofed).status_code == 429


def test_forwarded_headers_are_ignored_unless_proxies_are_trusted(address_limit, client, factory, tmp_path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    assert from_environment(str(tmp_path), env={"SECRET_KEY": "s" * 40})["TRUSTED_PROXIES"] == 0
    settings = from_environment(str(tmp_path), env={"SECRET_KEY": "s" * 40, "EXPERTPOOL_TRUSTED_PROXIES": "1"})
    assert settings["TRUSTED_PROXIES"] == 1
    proxied = create_app({**settings, "TESTING": True}).wsgi_app
    assert isinstance(proxied, ProxyFix) and (proxied.x_for, proxied.x_proto, proxied.x_host) == (1, 1, 0)
    with pytest.raises(ConfigError, match="EXPERTPOOL_TRUSTED_PROXIES"):
        from_environment(str(tmp_path), env={"SECRET_KEY": "s" * 40, "EXPERTPOOL_TRUSTED_PROXIES": "oui"})
    # Off (the default): a made-up X-Forwarded-For does not give a guesser fresh addresses.
    for n in range(address_limit):
        _fail_headers = {"X-Forwarded-For": f"198.51.100.{n}"}
        _login(client, f"essai{n}@example.org", "192.0.2.9", "mauvais", **_fail_headers)
    assert _login(client, "x@example.org", "192.0.2.9", **{"X-Forwarded-For": "198.51.100.200"}).status_code == 429


def test_failures_older_than_the_window_no_longer_count(client, db, factory):
    factory.user(UserRole.MEMBER, email="ancien@example.org", password=KNOWN_PASSWORD)
    old = now_utc() - timedelta(minutes=16)
    db.session.add_all([LoginFailure(email="ancien@example.org", ip="198.51.100.1", at=old) for _ in range(10)])
    db.session.flush()
    response = client.post(
        "/compte/connexion",
        data={"email": "ancien@example.org", "password": KNOWN_PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.1"},
    )
    assert response.status_code == 302


@pytest.fixture
def redis_url(db_kind):
    import redis

    # One Redis database per test run (`make test` runs the SQLite and PostgreSQL suites side by side).
    url = "redis://127.0.0.1:6379/" + ("15" if db_kind == "sqlite" else "14")
    try:
        connection = redis.Redis.from_url(url, socket_timeout=1)
        connection.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(
            f"Redis is not reachable at 127.0.0.1:6379 ({exc}): the shared-throttle test needs it "
            "(start redis-server, or set EXPERTPOOL_RATELIMIT_STORAGE_URL in production)"
        )
    for key in connection.scan_iter("expertpool:login:*"):
        connection.delete(key)
    yield url
    for key in connection.scan_iter("expertpool:login:*"):
        connection.delete(key)
    connection.close()


def test_redis_throttle_is_shared_by_two_processes(app, db, factory, redis_url, tmp_path):
    """Two app instances (two web workers) count the same failures when Redis stores them."""
    factory.user(UserRole.MEMBER, email="partage@example.org", password=KNOWN_PASSWORD)
    db.session.commit()
    # Configured the production way: EXPERTPOOL_RATELIMIT_STORAGE_URL in each worker's environment.
    settings = from_environment(
        str(tmp_path), env={"SECRET_KEY": "s" * 40, "EXPERTPOOL_RATELIMIT_STORAGE_URL": redis_url}
    )
    assert settings["RATELIMIT_STORAGE_URL"] == redis_url
    workers = [
        create_app({**settings, "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
        for _ in range(2)
    ]
    for n in range(10):
        assert _fail(workers[n % 2].test_client(), "partage@example.org", "203.0.113.1").status_code == 400
    assert db.session.query(LoginFailure).filter_by(email="partage@example.org").count() == 0  # in Redis
    response = (
        workers[0]
        .test_client()
        .post(
            "/compte/connexion",
            data={"email": "partage@example.org", "password": KNOWN_PASSWORD},
            environ_base={"REMOTE_ADDR": "203.0.113.1"},
        )
    )
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.get_data(as_text=True)
    with workers[1].app_context():  # the owner, from elsewhere, is not blocked
        assert not LoginThrottle(workers[1]).is_blocked("partage@example.org", "203.0.113.2", now_utc())
    for worker in workers:
        with worker.app_context():
            _db.engine.dispose()


# --- sessions -------------------------------------------------------------------------------------


def _real_login(app, email):
    client = app.test_client()
    response = client.post("/compte/connexion", data={"email": email, "password": KNOWN_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _with_cookie(app, cookie_value):
    client = app.test_client()
    client.set_cookie("session", cookie_value)
    return client


def test_logout_ends_the_session_even_for_a_stolen_cookie(app, factory):
    factory.user(UserRole.MEMBER, email="sortie@example.org", password=KNOWN_PASSWORD)
    client = _real_login(app, "sortie@example.org")
    stolen = client.get_cookie("session").value
    assert client.get("/compte/profil").status_code == 200
    client.post("/compte/deconnexion")
    assert client.get("/compte/profil").status_code == 302
    replayed = _with_cookie(app, stolen).get("/compte/profil")
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith(LOGIN_PATH)


def test_password_change_ends_the_other_sessions(app, factory):
    factory.user(UserRole.MEMBER, email="change@example.org", password=KNOWN_PASSWORD)
    laptop = _real_login(app, "change@example.org")
    phone = _real_login(app, "change@example.org")
    old_cookie = laptop.get_cookie("session").value
    response = laptop.post(
        "/compte/profil",
        data={
            "password-current": KNOWN_PASSWORD,
            "password-password": "un nouveau mot de passe 42",
            "password-confirm": "un nouveau mot de passe 42",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/compte/profil").status_code == 200  # this session continues
    assert phone.get("/compte/profil").status_code == 302  # the other one ended
    assert _with_cookie(app, old_cookie).get("/compte/profil").status_code == 302


# --- leaks ----------------------------------------------------------------------------------------


def test_login_does_not_tell_which_accounts_exist(client, factory):
    factory.user(UserRole.MEMBER, email="existe@example.org", password=KNOWN_PASSWORD)
    known = client.post("/compte/connexion", data={"email": "existe@example.org", "password": "faux mot de passe"})
    unknown = client.post("/compte/connexion", data={"email": "inconnu@example.org", "password": "faux mot de passe"})
    assert known.status_code == unknown.status_code == 400
    assert "Adresse e-mail ou mot de passe incorrect." in known.get_data(as_text=True)
    assert "Adresse e-mail ou mot de passe incorrect." in unknown.get_data(as_text=True)


def test_login_starts_a_fresh_session(client, factory):
    factory.user(UserRole.MEMBER, email="fixation@example.org", password=KNOWN_PASSWORD)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/compte/connexion", data={"email": "fixation@example.org", "password": KNOWN_PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session


def test_unexpected_errors_show_a_french_page_without_details(app):
    broken = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PROPAGATE_UNEXPECTED": False,
        }
    )

    def explode():
        raise RuntimeError("secret internal detail")

    broken.add_url_rule("/boom", view_func=explode)
    with broken.app_context():
        response = broken.test_client().get("/boom")
        body = response.get_data(as_text=True)
        _db.session.remove()
        _db.engine.dispose()
    assert response.status_code == 500
    assert "Rien n'a été enregistré" in body
    assert "secret internal detail" not in body and "Traceback" not in body
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_wrong_feed_token_is_a_plain_404(client):
    for path in ("/feeds/experts/pas-le-bon-jeton.ics", "/feeds/membres/pas-le-bon-jeton.ics"):
        response = client.get(path)
        assert response.status_code == 404


def test_password_reset_form_cannot_flood_a_mailbox(client, db, factory):
    from expertpool.models import OutboxMail

    factory.user(UserRole.MEMBER, email="boite@example.org")
    for _ in range(10):
        response = client.post("/compte/mot-de-passe-oublie", data={"email": "boite@example.org"})
        assert response.status_code == 302  # the same answer every time
    assert db.session.query(OutboxMail).filter_by(recipient="boite@example.org").count() == 3


def test_numbers_beyond_the_columns_are_a_400_or_a_404_not_a_500(client, world):
    member = client_as(client.application, world, "member_a")
    assert member.get("/demandes/99999999999999999999").status_code == 404
    assert member.get("/demandes/2147483648").status_code == 404
    response = member.get("/experts/", query_string={"role": "99999999999999999999999"})
    assert response.status_code in (200, 400)
