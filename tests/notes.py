"""A notification as its reader sees it (stored as a kind and parameters, put in words when read)."""

from flask_babel import force_locale

from expertpool.notifications import notification_text


def note_text(note, locale: str = "fr") -> str:
    with force_locale(locale):
        return notification_text(note)
