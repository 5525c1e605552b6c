"""Access and portability (RGPD art. 15 and 20): a person's data as a ZIP of one JSON file and one CSV
per kind of data, read from the register."""

import io
import json
import zipfile
from datetime import datetime

from sqlalchemy import select

from expertpool import audit
from expertpool.extensions import db
from expertpool.models import User
from expertpool.privacy.registry import PERSONAL_DATA, Subject
from expertpool.spreadsheet_safety import csv_writer

JSON_NAME = "donnees.json"


def subject_of(user: User) -> Subject:
    return Subject(
        user_id=user.id,
        email=user.email,
        name=user.name,
        member_id=user.member_id,
        expert_id=user.expert.id if user.expert is not None else None,
    )


def collect(user: User) -> dict[str, list[dict]]:
    """Every row of the register that is the person's, as JSON-safe dicts, by kind."""
    subject = subject_of(user)
    data = {}
    for entry in PERSONAL_DATA:
        rows = db.session.scalars(select(entry.model).where(entry.rows(subject)).order_by(entry.model.id)).all()
        data[entry.key] = [audit.snapshot(row, *entry.columns) for row in rows]
    return data


def _csv(columns: tuple[str, ...], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv_writer(out)  # the app's one formula-safe CSV writer
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[name] for name in columns])
    return out.getvalue()


def export_zip(user: User, *, actor: User, now: datetime) -> bytes:
    """The ZIP the person (or a coordinator, for a person who asked by mail) downloads; audited."""
    data = collect(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = {"generated_at": now.isoformat(), "user_id": user.id, "data": data}
        archive.writestr(JSON_NAME, json.dumps(document, ensure_ascii=False, indent=2))
        for entry in PERSONAL_DATA:
            # UTF-8 with a BOM: spreadsheets then read the accents right.
            archive.writestr(f"{entry.key}.csv", "\ufeff" + _csv(entry.columns, data[entry.key]))
    audit.record(
        actor,
        "user.export_data",
        user,
        now=now,
        after={"rows": {key: len(rows) for key, rows in data.items()}},
        member_id=user.member_id,
    )
    db.session.flush()
    return buffer.getvalue()
