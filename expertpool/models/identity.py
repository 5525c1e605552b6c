"""Sign-in through an OpenID provider: the identities linked to users, and the requests to join a member."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expertpool.models.base import Base
from expertpool.models.enums import JoinRequestStatus, sql_in
from expertpool.timeutil import now_utc


class ProviderIdentity(Base):
    """One person at one provider (issuer + subject), linked to at most one user; a user may have several
    (ProConnect's subject differs with the identity provider behind it)."""

    __tablename__ = "provider_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_provider_identities_issuer_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")  # as the provider gave it, for the profile page
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    last_used: Mapped[datetime | None]

    user: Mapped["User"] = relationship()  # noqa: F821


class JoinRequest(Base):
    """Someone the provider vouches for, unknown here, whose SIRET names a member: its users or a
    coordinator decide; approving creates the account, linked to the identity."""

    __tablename__ = "join_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(JoinRequestStatus)}", name="status_known"),
        Index("ix_join_requests_member_id_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str] = mapped_column(String(14))
    status: Mapped[str] = mapped_column(String(20), default=JoinRequestStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the account created on approval

    member: Mapped["Member"] = relationship()  # noqa: F821
