"""Personal access tokens of the JSON API: stored hashed, with scopes, an expiry and the last use."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expertpool.models.base import Base
from expertpool.timeutil import now_utc


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the secret: the token is 256 random bits, so a fast hash is as good as a slow one here
    # and lets each API call find its token with one indexed lookup.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so that its owner can tell two tokens apart in the list.
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship()  # noqa: F821

    def is_usable(self, now: datetime) -> bool:
        """Not revoked, not expired, and its user still active."""
        if self.revoked_at is not None or (self.expires_at is not None and self.expires_at <= now):
            return False
        return self.user is not None and self.user.active
