"""Configuration read from the environment when the app is created (never at import time)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

HOLIDAY_REGIONS = ("metropole", "alsace-moselle")
MIN_SECRET_KEY_BYTES = 32


class ConfigError(RuntimeError):
    """The environment does not describe a runnable app (missing secret, bad value)."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key(instance_path: str) -> str:
    """The local development key: generated once and kept in instance/, so that restarting
    `make run` (or running several processes) does not log everybody out."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_path: str, env: dict[str, str] | None = None) -> dict:
    """Build the settings dict from EXPERTPOOL_* variables (and SECRET_KEY)."""
    env = dict(os.environ if env is None else env)
    development = env.get("EXPERTPOOL_ENV", "production") == "development"
    secret_key = env.get("SECRET_KEY") or env.get("EXPERTPOOL_SECRET_KEY")
    if not secret_key:
        if not development:
            raise ConfigError("SECRET_KEY must be set (or EXPERTPOOL_ENV=development for the local default key).")
        secret_key = _dev_secret_key(instance_path)
    if not development and len(secret_key.encode("utf-8")) < MIN_SECRET_KEY_BYTES:
        # A short key can be brute-forced offline from one session cookie, then sign any session.
        raise ConfigError(
            f"SECRET_KEY is too short ({len(secret_key.encode('utf-8'))} bytes): use {MIN_SECRET_KEY_BYTES} bytes "
            'at least, e.g. python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    region = env.get("EXPERTPOOL_HOLIDAYS_REGION", "metropole")
    if region not in HOLIDAY_REGIONS:
        raise ConfigError(f"EXPERTPOOL_HOLIDAYS_REGION must be one of {', '.join(HOLIDAY_REGIONS)}")
    database_url = env.get("EXPERTPOOL_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "expertpool.sqlite3")
    )
    https = _bool(env.get("EXPERTPOOL_HTTPS"), default=not development)
    proxies = env.get("EXPERTPOOL_TRUSTED_PROXIES", "0").strip() or "0"
    if not proxies.isdigit() or int(proxies) > 5:
        raise ConfigError("EXPERTPOOL_TRUSTED_PROXIES must be the number of reverse proxies in front (0 to 5).")
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "EXPERTPOOL_ENV": "development" if development else "production",
        "EXPERTPOOL_HOLIDAYS_REGION": region,
        "EXPERTPOOL_TIMEZONE": "Europe/Paris",
        "EXPERTPOOL_BASE_URL": env.get("EXPERTPOOL_BASE_URL", "http://127.0.0.1:5000"),
        "EXPERTPOOL_HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "MAIL_SERVER": env.get("EXPERTPOOL_MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("EXPERTPOOL_MAIL_PORT", "587")),
        "MAIL_USERNAME": env.get("EXPERTPOOL_MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("EXPERTPOOL_MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env.get("EXPERTPOOL_MAIL_USE_TLS"), default=True),
        "MAIL_SENDER": env.get("EXPERTPOOL_MAIL_SENDER", "expertpool <no-reply@expertpool.local>"),
        "RATELIMIT_STORAGE_URL": env.get("EXPERTPOOL_RATELIMIT_STORAGE_URL", ""),
        "TRUSTED_PROXIES": int(proxies),
        # Webhook endpoints on private or loopback addresses (an intranet GLPI): refused unless allowed.
        "WEBHOOKS_ALLOW_PRIVATE": _bool(env.get("EXPERTPOOL_WEBHOOKS_ALLOW_PRIVATE"), default=False),
        # Observability: `json` logs one JSON line per record (request id, user id, route).
        "LOG_FORMAT": env.get("EXPERTPOOL_LOG_FORMAT", "text").strip().lower(),
        # Error reporting to Sentry when set (needs the `sentry` extra); no personal data is sent.
        "SENTRY_DSN": env.get("EXPERTPOOL_SENTRY_DSN", ""),
        **oidc_from_environment(env),
    }


# ProConnect (production and integration): they vouch for the emails they send without `email_verified`.
PROCONNECT_ISSUERS = ("https://auth.proconnect.gouv.fr/api/v2", "https://fca.integ01.dev-agentconnect.fr/api/v2")
PROCONNECT_SCOPES = "openid email given_name usual_name siret uid"


def oidc_from_environment(env: dict[str, str]) -> dict:
    """OpenID Connect sign-in (ProConnect by default); no issuer means no provider button."""
    trusted = env.get("EXPERTPOOL_OIDC_TRUSTED_EMAIL_ISSUERS")
    return {
        "OIDC_ISSUER": env.get("EXPERTPOOL_OIDC_ISSUER", "").strip().rstrip("/"),
        "OIDC_CLIENT_ID": env.get("EXPERTPOOL_OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": env.get("EXPERTPOOL_OIDC_CLIENT_SECRET", ""),
        "OIDC_SCOPES": env.get("EXPERTPOOL_OIDC_SCOPES") or PROCONNECT_SCOPES,
        "OIDC_LABEL": env.get("EXPERTPOOL_OIDC_LABEL", ""),
        "OIDC_TRUSTED_EMAIL_ISSUERS": tuple(
            item.rstrip("/")
            for item in (trusted.replace(",", " ").split() if trusted is not None else PROCONNECT_ISSUERS)
        ),
    }


def normalise_database_url(url: str) -> str:
    """Accept the usual postgres:// spellings and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


BASE_DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
    "LANGUAGES": ("fr", "en"),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,  # a CSV import of a few thousand members fits easily
    "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "INVITATION_MAX_AGE": timedelta(days=7),
    "RESET_MAX_AGE": timedelta(hours=2),
    "LOGIN_MAX_FAILURES": 10,  # per (account, source address)
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,  # any accounts from one address (an office behind one NAT)
    "LOGIN_FAILURES_NOTIFIED": 10,  # failures on an account, from anywhere, that its owner is mailed about
    "TRUSTED_PROXIES": 0,  # reverse proxies whose X-Forwarded-For / -Proto are believed (ProxyFix)
    "LOGIN_FAILURE_WINDOW": timedelta(minutes=15),
    "OIDC_TIMEOUT": 10,  # seconds for each call to the provider: a slow provider must not hang a worker
    "OIDC_LEEWAY": 60,  # seconds of clock difference tolerated on the ID token's times
    "API_RATE_LIMIT": 300,  # API calls per token per API_RATE_WINDOW (then 429 with Retry-After)
    "API_RATE_WINDOW": timedelta(minutes=1),
    "WEBHOOKS_ALLOW_PRIVATE": False,
}

TESTING_DEFAULTS = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "WTF_CSRF_ENABLED": False,
    "EXPERTPOOL_ENV": "testing",
    "EXPERTPOOL_HOLIDAYS_REGION": "metropole",
    "EXPERTPOOL_TIMEZONE": "Europe/Paris",
    "EXPERTPOOL_BASE_URL": "http://localhost",
    "EXPERTPOOL_HTTPS": False,
    "MAIL_SERVER": "",
    "MAIL_SENDER": "expertpool <no-reply@expertpool.local>",
    "RATELIMIT_STORAGE_URL": "",
    **oidc_from_environment({}),
}
