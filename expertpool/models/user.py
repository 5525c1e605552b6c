"""User accounts: one role each; member users belong to one member structure."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from expertpool.models.base import Base
from expertpool.models.enums import UserRole, sql_in
from expertpool.timeutil import now_utc


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {sql_in(UserRole)}", name="role_known"),
        CheckConstraint("role <> 'member' OR member_id IS NOT NULL", name="member_user_has_member"),
        CheckConstraint("locale IN ('fr', 'en')", name="locale_known"),
        # Unique whatever the case, even if a row were written without going through the model.
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=UserRole.MEMBER)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the login session id: rotating it (logout, password change) ends every session.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    invited_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    # Set when the person's data was erased (RGPD art. 17): the row stays for the records that point to it.
    anonymised_at: Mapped[datetime | None]
    # The folded name, kept by models/search_columns.py for the forgiving search (text_search.py).
    search_name: Mapped[str] = mapped_column(String(2000), default="")

    member: Mapped["Member | None"] = relationship(back_populates="users")  # noqa: F821
    expert: Mapped["Expert | None"] = relationship(back_populates="user", uselist=False)  # noqa: F821

    @validates("email")
    def _normalise_email(self, _key, value: str) -> str:
        return value.strip().lower()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        """Coordinators and administrators run the pool."""
        return self.role in (UserRole.COORDINATOR, UserRole.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
