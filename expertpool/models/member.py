"""Member structures: the communes, EPCI, associations… that hold a drawing right."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from stdnum.fr import siren as siren_number

from expertpool.models.base import Base
from expertpool.models.enums import MemberKind, sql_in
from expertpool.timeutil import now_utc


def is_valid_siren(value: str) -> bool:
    """Nine digits with a valid Luhn check digit (python-stdnum)."""
    return siren_number.is_valid(value or "")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(MemberKind)}", name="kind_known"),
        CheckConstraint("population IS NULL OR population >= 0", name="population_not_negative"),
        CheckConstraint("contribution_cents >= 0", name="contribution_not_negative"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=MemberKind.COMMUNE)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    insee_code: Mapped[str | None] = mapped_column(String(5), unique=True)
    siren: Mapped[str | None] = mapped_column(String(9), unique=True)
    population: Mapped[int | None] = mapped_column(Integer)
    # Yearly contribution to the pool, in euro cents.
    contribution_cents: Mapped[int] = mapped_column(default=0)
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # An EPCI may hold an envelope of days shared with its communes.
    holds_envelope: Mapped[bool] = mapped_column(Boolean, default=False)
    # The EPCI approves each draw of a commune on its envelope before the coordinator decides.
    envelope_draws_need_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    # Any change to the row (a rename first): calendar feeds date their Last-Modified by it (feeds/freshness.py).
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)
    # The folded name, kept by models/search_columns.py for the forgiving search (text_search.py).
    search_name: Mapped[str] = mapped_column(String(2000), default="")

    parent: Mapped["Member | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Member"]] = relationship(back_populates="parent")
    users: Mapped[list["User"]] = relationship(back_populates="member")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.name!r}>"
