"""Languages and French formats: French first (message ids are French), English available.

Quantities are stored in half-days and shown in days with a decimal comma ("2,5 jours");
money is stored in euro cents and shown as "1 250,50 €".
"""

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_interval
from babel.numbers import format_currency, format_decimal, parse_decimal
from flask import Flask, current_app, g, request, session
from flask_babel import format_date, get_locale, gettext, ngettext
from flask_login import current_user
from markupsafe import Markup

from expertpool.extensions import babel
from expertpool.timeutil import to_paris


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.blueprint == "api":
        # The API follows Accept-Language, else its token's user's language; never a browser session.
        asked = request.accept_languages.best_match(languages)
        if asked:
            return asked
        user = g.get("_login_user")
        return user.locale if getattr(user, "locale", None) in languages else default
    chosen = session.get("locale")  # the language link in the menu, for this session
    if chosen in languages:
        return chosen
    if g.get("database_unavailable"):
        # The user's language is in the database, which is down: the browser's, French first.
        return request.accept_languages.best_match(languages, default=default) or default
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    # French first: a visitor sees French unless they chose English.
    return default


def locale_code() -> str:
    return str(get_locale() or "fr")


def days_label(half_days: int | None) -> str:
    """'2,5 jours', '1 jour', '0,5 jour' (in French; '2.5 days' in English)."""
    half_days = half_days or 0
    value = Decimal(half_days) / 2
    number = format_decimal(value, format="#,##0.#", locale=locale_code())
    # French keeps the singular below two ("1,5 jour"); English only for exactly one ("1.5 days").
    plural = value >= 2 if locale_code() == "fr" else value != 1
    return ngettext("%(n)s jour", "%(n)s jours", 2 if plural else 1, n=number)


def days_number(half_days: int | None) -> str:
    value = Decimal(half_days or 0) / 2
    return format_decimal(value, format="#,##0.#", locale=locale_code())


def money(cents: int | None) -> str:
    return format_currency(Decimal(cents or 0) / 100, "EUR", locale=locale_code())


def number(value) -> str:
    return format_decimal(value, locale=locale_code())


def parse_french_decimal(text: str) -> Decimal:
    """Read '1 250,50' or '1250.50' (spreadsheets write both); raises ValueError on anything else."""
    cleaned = (text or "").strip().replace("\u202f", " ").replace("\xa0", " ").replace(" ", "")
    if not cleaned:
        raise ValueError("empty")
    try:
        value = parse_decimal(cleaned, locale="fr", strict=False) if "," in cleaned else Decimal(cleaned)
    except Exception as exc:  # babel raises NumberFormatError, Decimal raises InvalidOperation
        raise ValueError(text) from exc
    # "NaN", "Infinity" and "1e999999999" are valid Decimals: refuse them here, before a caller's
    # int() fails on them or builds a billion-digit number.
    if not value.is_finite() or value.adjusted() > 15:
        raise ValueError(text)
    return value


def date_long(value: date | None) -> str:
    return format_date(value, format="d MMMM y") if value else ""


def day_month(value: date | None) -> str:
    """'26 février', '1er mars' (French letters write the first of the month so); '1 March' in English."""
    if not value:
        return ""
    text = format_date(value, format="d MMMM")
    return "1er" + text[1:] if value.day == 1 and locale_code() == "fr" else text


def date_range(first: date, last: date) -> str:
    """'8–11 déc. 2027', '29 nov. – 2 déc. 2027', '8 déc. 2027' (CLDR's intervals, in the reader's language)."""
    return format_interval(first, last, "yMMMMd", locale=locale_code())


def date_short(value: date | None) -> str:
    return format_date(value, format="EEE d MMM") if value else ""


def datetime_paris(value: datetime | None) -> str:
    if not value:
        return ""
    local = to_paris(value)
    return format_date(local.date(), format="d MMM y") + " " + local.strftime("%H:%M")


def half_label(half: str) -> str:
    return gettext("matin") if half == "am" else gettext("après-midi")


def half_day_label(day: date | str | None, half: str | None = None) -> str:
    """'10 mai 2027 (matin)': the one way a half-day is written in histories, audit rows and notices.

    Audit rows store dates as ISO strings, so those are read back too; anything else is shown as is.
    """
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            return day
    if day is None:
        return ""
    text = date_long(day)
    if half in ("am", "pm"):
        text = gettext("%(day)s (%(half)s)", day=text, half=half_label(half))
    return text


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=_translations_dir())
    app.jinja_env.filters.update(
        days=days_label,
        days_number=days_number,
        money=money,
        number=number,
        date_long=date_long,
        date_short=date_short,
        datetime_paris=datetime_paris,
        half=half_label,
        half_day=half_day_label,
    )
    app.jinja_env.globals.update(locale_code=locale_code)

    @app.context_processor
    def _language_switch():
        return {"other_locale": "en" if locale_code() == "fr" else "fr", "Markup": Markup}

    @app.before_request
    def _remember_language_choice():
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            session["locale"] = lang


def _translations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "translations")
