"""Password hashing (argon2id), signed expiring links, login throttling and account changes."""

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, select

from expertpool import audit
from expertpool.accounts import make_link_token
from expertpool.extensions import db
from expertpool.models import LoginFailure, User
from expertpool.timeutil import now_utc

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("expertpool-timing-equaliser")

MIN_PASSWORD_LENGTH = 12
# zxcvbn's score (0-4): 3 is "safely unguessable" against an online attack that is throttled.
MIN_PASSWORD_SCORE = 3
# French words zxcvbn's English dictionaries miss, and the app's own name: guessed first by an attacker.
_LOCAL_WORDS = ("motdepasse", "azerty", "azertyuiop", "soleil", "bonjour", "doudou", "loulou", "chouchou", "expertpool")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def is_weak_password(password: str, *, user_inputs: tuple[str, ...] = ()) -> bool:
    """Too short, or easy to guess (zxcvbn: repeats, sequences, keyboard rows, dictionary words, dates)."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD_LENGTH:
        return True
    # zxcvbn refuses more than 72 characters; a longer password is judged by its start.
    score = zxcvbn(password[:72], user_inputs=[*_LOCAL_WORDS, *user_inputs])["score"]
    return score < MIN_PASSWORD_SCORE


def verify_password(user: User | None, password: str) -> bool:
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and user is not None and bool(user.password_hash)


def load_user(session_id: str) -> User | None:
    """Flask-Login loader: the id carries the user's session token, so rotating it logs out everywhere."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


# --- throttling ---------------------------------------------------------------------------------


API_CALLS = "api"  # the `ip` of the rows that count API calls (see LoginThrottle.count_call)


class LoginThrottle:
    """Counts failed logins per source address and per (account, source address) pair over a sliding window.

    Never per account alone: failures from elsewhere must not lock the owner out of their own account
    (they are told by mail instead, see `failures_to_notify`). Behind a reverse proxy the source address
    is the client's only if EXPERTPOOL_TRUSTED_PROXIES says how many proxies to believe (ProxyFix).
    Stored in Redis when EXPERTPOOL_RATELIMIT_STORAGE_URL is set, otherwise in the database: both are
    shared by every web process, unlike memory.
    """

    def __init__(self, app=None):
        self.app = app or current_app
        self.window: timedelta = self.app.config["LOGIN_FAILURE_WINDOW"]
        self.limit: int = self.app.config["LOGIN_MAX_FAILURES"]
        self.address_limit: int = self.app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
        self.failures_to_notify: int = self.app.config["LOGIN_FAILURES_NOTIFIED"]
        url = self.app.config.get("RATELIMIT_STORAGE_URL")
        self.redis = None
        if url:
            import redis

            self.redis = redis.Redis.from_url(url, socket_timeout=2)

    @staticmethod
    def _keys(email: str, ip: str) -> dict[str, str]:
        email = email.strip().lower()
        return {
            "pair": f"expertpool:login:pair:{ip}:{email}",
            "ip": f"expertpool:login:ip:{ip}",
            "account": f"expertpool:login:email:{email}",  # counted for the owner's mail, never blocks
        }

    def _redis_counts(self, email: str, ip: str, now: datetime) -> dict[str, int]:
        cutoff = (now - self.window).timestamp()
        keys = self._keys(email, ip)
        pipe = self.redis.pipeline()
        for key in keys.values():
            pipe.zremrangebyscore(key, 0, cutoff)
            pipe.zcard(key)
        return dict(zip(keys, pipe.execute()[1::2], strict=True))

    def _db_counts(self, email: str, ip: str, now: datetime) -> dict[str, int]:
        email, since = email.strip().lower(), now - self.window

        def count(*conditions) -> int:
            return db.session.scalar(select(func.count(LoginFailure.id)).where(LoginFailure.at >= since, *conditions))

        return {
            "pair": count(LoginFailure.email == email, LoginFailure.ip == ip),
            "ip": count(LoginFailure.ip == ip),
            "account": count(LoginFailure.email == email),
        }

    def counts(self, email: str, ip: str, now: datetime) -> dict[str, int]:
        """Failures in the window: of this pair, of this address, of this account from everywhere."""
        return self._redis_counts(email, ip, now) if self.redis is not None else self._db_counts(email, ip, now)

    def is_blocked(self, email: str, ip: str, now: datetime) -> bool:
        counts = self.counts(email, ip, now)
        return counts["pair"] >= self.limit or counts["ip"] >= self.address_limit

    def record_failure(self, email: str, ip: str, now: datetime) -> bool:
        """Count a failure; True when the account has just reached the number of failures its owner is told of."""
        if self.redis is not None:
            pipe = self.redis.pipeline()
            for key in self._keys(email, ip).values():
                pipe.zadd(key, {f"{now.timestamp()}:{secrets.token_hex(8)}": now.timestamp()})
                pipe.expire(key, int(self.window.total_seconds()) + 60)
            pipe.execute()
        else:
            db.session.add(LoginFailure(email=email.strip().lower()[:254], ip=ip[:64], at=now))
            # Old rows are useless once outside the window; keep the table small.
            db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - self.window * 4))
            db.session.flush()
        return self.counts(email, ip, now)["account"] == self.failures_to_notify

    def count_call(self, key: str, limit: int, window: timedelta, now: datetime) -> int | None:
        """Count one call of `key` (an API token) in the same store as the failed logins; the seconds to wait
        when it makes more than `limit` calls in `window`, else None. Every web process sees the same count."""
        if self.redis is not None:
            name = f"expertpool:api:{key}"
            pipe = self.redis.pipeline()
            pipe.zremrangebyscore(name, 0, (now - window).timestamp())
            pipe.zadd(name, {f"{now.timestamp()}:{secrets.token_hex(8)}": now.timestamp()})
            pipe.expire(name, int(window.total_seconds()) + 60)
            pipe.zcard(name)
            pipe.zrange(name, 0, 0, withscores=True)
            *_, count, oldest = pipe.execute()
            first = datetime.fromtimestamp(oldest[0][1], tz=now.tzinfo) if oldest else now
        else:
            # The failed-login table holds the calls too: `ip` is "api", which no client address can be.
            since = now - window
            db.session.execute(delete(LoginFailure).where(LoginFailure.email == key, LoginFailure.at < since))
            db.session.add(LoginFailure(email=key, ip=API_CALLS, at=now))
            db.session.flush()
            rows = select(LoginFailure.at).where(LoginFailure.email == key, LoginFailure.at >= since)
            count = db.session.scalar(select(func.count()).select_from(rows.subquery()))
            first = db.session.scalar(select(func.min(LoginFailure.at)).where(LoginFailure.email == key)) or now
        if count <= limit:
            return None
        return max(1, int((first + window - now).total_seconds()) + 1)

    def clear(self, email: str, ip: str) -> None:
        """A successful login forgets this pair's failures (not those from other addresses)."""
        if self.redis is not None:
            self.redis.delete(self._keys(email, ip)["pair"])
            return
        db.session.execute(
            delete(LoginFailure).where(LoginFailure.email == email.strip().lower(), LoginFailure.ip == ip)
        )


def send_failed_logins_warning(user: User, failures: int, window: timedelta) -> None:
    """Tell the owner that someone keeps trying their password (their own logins still work)."""
    from flask import url_for

    from expertpool.mail import send_template_mail

    link = current_app.config["EXPERTPOOL_BASE_URL"].rstrip("/") + url_for("auth.forgot_password")
    send_template_mail(
        user, "failed_logins", now=now_utc(), count=failures, minutes=int(window.total_seconds() // 60), link=link
    )


# --- account changes ----------------------------------------------------------------------------


def set_password(
    user: User, password: str, *, actor: User | None, now: datetime, action: str, password_hash: str | None = None
) -> None:
    """Set a new password and end every other session (the session token rotates). `password_hash`: the
    password's hash computed once for many accounts (the demo's logins share one password; argon2 is
    slow on purpose)."""
    had_password = user.has_password
    user.password_hash = password_hash or hash_password(password)
    user.password_changed_at = now
    user.rotate_session_token()
    audit.record(
        actor or user,
        action,
        user,
        now=now,
        before={"had_password": had_password},
        after={"had_password": True},
        member_id=user.member_id,
    )
    db.session.flush()


def update_profile(user: User, *, name: str, locale: str, now: datetime) -> None:
    before = audit.snapshot(user, "name", "locale")
    user.name = name
    user.locale = locale
    if before != audit.snapshot(user, "name", "locale"):
        audit.record(
            user,
            "user.profile",
            user,
            now=now,
            before=before,
            after=audit.snapshot(user, "name", "locale"),
            member_id=user.member_id,
        )
    db.session.flush()


RESET_MAILS_PER_WINDOW = 3
RESET_MAIL = "password_reset"  # the mail template, and the outbox kind the throttle counts


def reset_mail_allowed(user: User, now: datetime) -> bool:
    """At most a few reset mails per address per throttling window, so that the (anonymous) form
    cannot flood someone's mailbox; the page answers the same either way."""
    from expertpool.models import OutboxMail

    since = now - current_app.config["LOGIN_FAILURE_WINDOW"]
    sent = db.session.scalar(
        select(func.count(OutboxMail.id)).where(
            OutboxMail.recipient == user.email, OutboxMail.kind == RESET_MAIL, OutboxMail.created_at >= since
        )
    )
    return sent < RESET_MAILS_PER_WINDOW


def send_password_reset(user: User, *, now: datetime) -> None:
    from flask import url_for

    from expertpool.mail import send_template_mail

    link = current_app.config["EXPERTPOOL_BASE_URL"].rstrip("/") + url_for(
        "auth.reset_password", token=make_link_token(user, "reset")
    )
    send_template_mail(user, RESET_MAIL, now=now, link=link)
