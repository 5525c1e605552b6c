"""RGPD access and portability: the ZIP holds every row of the person's and nothing of anyone else's."""

import csv
import io
import json
import zipfile

import pytest
from factories import FIXED_NOW
from privacy_support import (
    FORMULA_TEXT,
    GWEN_EMAIL,
    GWEN_TEXTS,
    PROVIDER,
    SOIZIC_TEXTS,
    YANN_EMAIL,
    YANN_NAME,
    YANN_TEXTS,
    build_people,
)
from sqlalchemy import select

from expertpool.models import (
    AuditLog,
    Booking,
    InterventionRequest,
    LoginFailure,
    Notification,
    OutboxMail,
    RequestMessage,
    Unavailability,
)
from expertpool.privacy.export import JSON_NAME, export_zip
from expertpool.privacy.registry import PERSONAL_DATA


@pytest.fixture
def people(factory):
    return build_people(factory)


def _open(data: bytes) -> tuple[dict, dict[str, str]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    files = {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}
    return json.loads(files[JSON_NAME])["data"], files


def _ids(db, query) -> list[int]:
    return sorted(db.session.scalars(query))


def test_a_member_users_export_holds_all_their_rows_and_nothing_else(db, people):
    gwen = people.gwen
    data, files = _open(export_zip(gwen, actor=gwen, now=FIXED_NOW))

    def exported(key):
        return sorted(row["id"] for row in data[key])

    # Checked against the database with queries written here, not read from the register.
    assert exported("requests") == _ids(
        db, select(InterventionRequest.id).where(InterventionRequest.created_by_id == gwen.id)
    )
    assert exported("ratings") == [people.requests["done"].id]
    assert exported("messages") == _ids(db, select(RequestMessage.id).where(RequestMessage.author_id == gwen.id))
    assert exported("notifications") == _ids(db, select(Notification.id).where(Notification.user_id == gwen.id))
    assert exported("mails") == _ids(db, select(OutboxMail.id).where(OutboxMail.recipient == gwen.email))
    assert len(data["sign_in_failures"]) == db.session.query(LoginFailure).filter_by(email=gwen.email).count() == 1
    assert [(row["issuer"], row["subject"]) for row in data["provider_identities"]] == [(PROVIDER, "sub-gwen")]
    assert [row["email"] for row in data["join_requests"]] == [GWEN_EMAIL]
    assert data["account"] == [
        {
            "id": gwen.id,
            "email": gwen.email,
            "name": gwen.name,
            "role": "member",
            "member_id": people.member.id,
            "locale": "fr",
            "active": True,
            "created_at": gwen.created_at.isoformat(),
            "invited_at": None,
            "last_login_at": FIXED_NOW.isoformat(),
            "password_changed_at": None,
        }
    ]
    assert data["membership"] == [{"id": people.member.id, "name": "Plouzané", "kind": "commune"}]
    assert data["agenda"] == data["unavailability"] == data["reports"] == data["expert_profile"] == []
    everything = "\n".join(files.values())
    for text in GWEN_TEXTS:
        assert text in everything
    for foreign in (YANN_NAME, YANN_EMAIL, *YANN_TEXTS, *SOIZIC_TEXTS):
        assert foreign not in everything
    assert set(files) == {JSON_NAME} | {f"{entry.key}.csv" for entry in PERSONAL_DATA}
    # The export is audited, with counts only.
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "user.export_data")).one()
    assert row.actor_id == gwen.id and row.entity_id == gwen.id
    assert row.after["rows"]["messages"] == 2


def test_an_experts_export_holds_their_agenda_unavailability_and_reports(db, people):
    soizic = people.soizic
    data, _files = _open(export_zip(soizic, actor=people.coordinator, now=FIXED_NOW))
    expert_id = people.soizic_expert.id
    assert sorted(r["id"] for r in data["agenda"]) == _ids(db, select(Booking.id).where(Booking.expert_id == expert_id))
    assert sorted(r["id"] for r in data["unavailability"]) == _ids(
        db, select(Unavailability.id).where(Unavailability.expert_id == expert_id)
    )
    assert [r["report"] for r in data["reports"]] == [SOIZIC_TEXTS[0]]
    # Her weekly patterns over time: one, since she joined (the history the replay of the past reads).
    assert [(r["valid_until"], r["week_mask"]) for r in data["week_pattern_history"]] == [
        (None, people.soizic_expert.week_mask)
    ]
    assert data["expert_profile"][0]["display_name"] == soizic.name
    assert data["requests"] == data["messages"] == []
    assert db.session.scalars(select(AuditLog.actor_id).where(AuditLog.action == "user.export_data")).one() == (
        people.coordinator.id
    )


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(people):
    _data, files = _open(export_zip(people.gwen, actor=people.gwen, now=FIXED_NOW))
    rows = list(csv.reader(io.StringIO(files["messages.csv"]), delimiter=";"))
    assert rows[0] == ["id", "request_id", "body", "created_at"]
    assert "'" + FORMULA_TEXT in [row[2] for row in rows[1:]]
