"""Writing every accepted row, all or nothing, and the CSV of the rejected ones."""

import io
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from expertpool.audit import record
from expertpool.coordination.member_import.rows import (
    CREATED,
    REJECTED,
    UNCHANGED,
    UPDATED,
    WRITTEN_FIELDS,
    ImportPreview,
)
from expertpool.extensions import db
from expertpool.models import Member, MemberKind
from expertpool.spreadsheet_safety import csv_writer


class _ImportBatch:
    """Stands for the whole import in the audit log: one action, one row (the members are listed in it)."""

    __tablename__ = "members"
    id = None


def apply_import(preview: ImportPreview, *, actor, now: datetime) -> dict[str, int]:
    """Write every created and updated row (EPCI first, so their communes can point at them); flush only."""
    by_line: dict[int, Member] = {}
    written = [r for r in preview.rows if r.status in (CREATED, UPDATED)]
    ordered = sorted(written, key=lambda r: r.data.get("kind") != MemberKind.EPCI)
    members = {
        m.id: m
        for m in db.session.scalars(select(Member).where(Member.id.in_([r.member_id for r in written if r.member_id])))
    }
    created_ids, updated_ids = [], []
    for row in ordered:
        member = members.get(row.member_id) if row.member_id else Member(created_at=now, contribution_cents=0)
        for name in WRITTEN_FIELDS:
            if row.data.get(name) is not None:
                setattr(member, name, row.data[name])
        if member.id is None:
            db.session.add(member)
        by_line[row.line] = member
    db.session.flush()
    for row in ordered:
        parent = row.data.get("parent")
        if parent is not None:
            by_line[row.line].parent_id = parent[1] if parent[0] == "id" else by_line[parent[1]].id
        (created_ids if row.status == CREATED else updated_ids).append(by_line[row.line].id)
    db.session.flush()
    counts = {
        "created": len(created_ids),
        "updated": len(updated_ids),
        "unchanged": preview.count(UNCHANGED),
        "rejected": preview.count(REJECTED),
    }
    record(
        actor,
        "member.import",
        _ImportBatch(),
        now=now,
        after={**counts, "created_ids": created_ids, "updated_ids": updated_ids},
    )
    return counts


def rejected_csv(preview: ImportPreview) -> str:
    """The rejected rows as the coordinator sent them, plus the line and the reason, to correct and re-import."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([_("ligne"), *preview.headers, _("motif du rejet")])
    width = len(preview.headers)
    for row in preview.rejected:
        cells = (row.cells + [""] * width)[:width]
        writer.writerow([row.line, *cells, " ; ".join(row.reasons)])
    return "\ufeff" + out.getvalue()
