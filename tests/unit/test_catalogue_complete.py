"""Every msgid in the code and templates has a non-empty English translation in the catalogue.

`make messages` extracts and updates the catalogue; this test is what keeps a new French text from
reaching an English reader untranslated.
"""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "expertpool" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# The same keywords and method map as `make messages` (babel.cfg).
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2), "lazy_ngettext": (1, 2)}
SOURCES = [("expertpool", "**.py", "python"), ("templates", "**.html", "jinja2"), ("templates", "**.txt", "jinja2")]


def extracted_msgids() -> dict[str, str]:
    """msgid (or singular of a plural) → where it was found first."""
    found: dict[str, str] = {}
    for folder, pattern, method in SOURCES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(REPO / folder), method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    return found


def test_every_extracted_text_has_an_english_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    missing = []
    for msgid, where in sorted(extracted_msgids().items(), key=lambda item: item[1]):
        entry = catalogue.get(msgid)
        strings = () if entry is None else (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if entry is None or not all(strings):
            missing.append(f"{where}: {msgid!r}")
    assert not missing, f"{len(missing)} texts without an English translation (run `make messages`):\n" + "\n".join(
        missing
    )


def test_every_plural_has_its_french_forms():
    """French needs a catalogue for its plurals only: without it gettext writes "0 experts trouvés"."""
    keywords = {"ngettext": (1, 2), "lazy_ngettext": (1, 2)}
    plurals = set()
    for folder, pattern, method in SOURCES:
        for _f, _l, message, _c, _ctx in extract_from_dir(
            str(REPO / folder), method_map=[(pattern, method)], keywords=keywords
        ):
            plurals.add(message[0])
    with (REPO / "expertpool" / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        french = read_po(handle, locale="fr")
    missing = sorted(p for p in plurals if french.get(p) is None or not all(french.get(p).string))
    assert plurals and not missing, "French plurals missing (run `make messages`):\n" + "\n".join(missing)
