"""Every msgid of the mails, notifications and outbox page has a non-empty English translation."""

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ("python", "expertpool/notifications.py"),
    ("python", "expertpool/mail.py"),
    ("python", "expertpool/admin/views.py"),
    ("jinja2", "templates/admin/outbox.html"),
    *(("jinja2", str(p.relative_to(ROOT))) for p in sorted((ROOT / "templates" / "mail").glob("*.txt"))),
]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _msgids():
    for method, path in SOURCES:
        for _line, msgid, _comments, _context in extract_from_file(method, str(ROOT / path), keywords=KEYWORDS):
            yield path, msgid


@pytest.fixture(scope="module")
def english():
    with open(ROOT / "expertpool/translations/en/LC_MESSAGES/messages.po", "rb") as f:
        return read_po(f)


def test_the_mail_templates_are_extracted():
    assert any(path.startswith("templates/mail/") for path, _ in _msgids())


@pytest.mark.parametrize(("path", "msgid"), list(_msgids()))
def test_msgid_has_an_english_translation(english, path, msgid):
    entry = english.get(msgid)
    assert entry is not None, f"{path}: {msgid!r} is missing from the English catalogue"
    strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    assert all(strings), f"{path}: {msgid!r} has an empty English entry"
