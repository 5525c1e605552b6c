"""Languages and French formats: French first (message ids are French), English available.

Quantities are stored in half-days and shown in days with a decimal comma ("2,5 jours");
money is stored in euro cents and shown as "1 250,50 €".
"""

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_interval, match_skeleton
from babel.numbers import format_currency, parse_decimal, parse_pattern
from flask import Flask, current_app, g, request, session
from flask_babel import get_locale, gettext, ngettext
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


# --- days: typed and shown in days, stored in half-days (the one parser and the formatters) -----------

# Plain digits with at most one decimal separator and an optional sign: no exponent ("1e1"), NaN or
# grouping (no pool counts a thousand days in one field, and "1 2" is a typo, not twelve).
_DAYS_PATTERN = re.compile(r"-?[0-9]{1,6}(?:[.,][0-9]{1,3})?")


class DaysError(ValueError):
    """A text that is no number of days (`not_half_days`: a number, but not in steps of 0.5)."""

    def __init__(self, text: str | None, *, not_half_days: bool = False):
        super().__init__(text)
        self.not_half_days = not_half_days


def parse_days(text: str | None) -> int:
    """'2,5', '2.5' or ' 2,5 ' days → 5 half-days; DaysError on anything else (ranges are the caller's)."""
    cleaned = (text or "").strip()
    if not _DAYS_PATTERN.fullmatch(cleaned):
        raise DaysError(text)
    half_days = Decimal(cleaned.replace(",", ".")) * 2
    if half_days != half_days.to_integral_value():
        raise DaysError(text, not_half_days=True)
    return int(half_days)


def days_decimal(half_days: int | None) -> Decimal:
    """5 half-days → Decimal('2.5') days."""
    return Decimal(half_days or 0) / 2


def days_input(half_days: int | None) -> str:
    """5 → '2,5', 4 → '2': what a days field shows back (French comma, no unit; '' for nothing)."""
    if half_days is None:
        return ""
    value = days_decimal(half_days)
    return str(value if value != value.to_integral_value() else int(value)).replace(".", ",")


# Days with at most one decimal ('2,5', '12'): babel's format_decimal parses a pattern string at every call.
_DAYS_FIGURE = parse_pattern("#,##0.#")


@lru_cache(maxsize=8)
def _number_locale(code: str) -> Locale:
    """The locale's number symbols and patterns, parsed once: babel parses them again at every call
    otherwise (the dashboard prints hundreds of figures)."""
    return Locale.parse(code)


def _days_figure(value: Decimal) -> str:
    return _days_figure_in(value, locale_code())


@lru_cache(maxsize=4096)
def _days_figure_in(value: Decimal, locale: str) -> str:
    """Figures repeat (a member table, a calendar): babel's pattern machinery once per figure."""
    return _DAYS_FIGURE.apply(value, _number_locale(locale))


def days_label(half_days: int | None) -> str:
    """'2,5 jours', '1 jour', '0,5 jour' (in French; '2.5 days' in English)."""
    value = days_decimal(half_days)
    number = _days_figure(value)
    # French keeps the singular below two ("1,5 jour"); English only for exactly one ("1.5 days").
    plural = value >= 2 if locale_code() == "fr" else value != 1
    return ngettext("%(n)s jour", "%(n)s jours", 2 if plural else 1, n=number)


def days_number(half_days: int | None) -> str:
    """'2,5' in French, '2.5' in English (a figure in a table whose header says "days")."""
    return _days_figure(days_decimal(half_days))


def _without_spaces(text: str) -> str:
    return text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")


def money(cents: int | None) -> str:
    return _money(cents or 0, locale_code())


@lru_cache(maxsize=4096)
def _money(cents: int, locale: str) -> str:
    """Amounts repeat (a unit price times a few counts) and babel's formatting is slow: a statement
    prints hundreds."""
    return format_currency(Decimal(cents) / 100, "EUR", locale=locale)


def number(value) -> str:
    locale = _number_locale(locale_code())
    if type(value) is int:  # most figures: babel's output ("12 345") without its pattern machinery
        symbols = locale.number_symbols["latn"]
        return f"{value:,}".replace(",", symbols["group"]).replace("-", symbols["minusSign"])
    return locale.decimal_formats[None].apply(value, locale)


def percent(rate: float | None) -> str:
    """A rate as a percentage with one decimal ("45,3 %"), "—" for none (a Python function, not a
    template macro: the dashboard prints a few hundred)."""
    return "—" if rate is None else _percent(round(rate * 100, 1), locale_code())


@lru_cache(maxsize=4096)
def _percent(value: float, locale: str) -> str:
    """At most 1,001 distinct values a locale (0 to 100 % by tenths, a few beyond): formatted once."""
    symbols = _number_locale(locale)
    return f"{symbols.decimal_formats[None].apply(value, symbols)} %"


def parse_french_decimal(text: str) -> Decimal:
    """Read '1 250,50' or '1250.50' (spreadsheets write both); raises ValueError on anything else."""
    cleaned = _without_spaces(text or "")
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


def format_day(value: date, pattern: str) -> str:
    """`format_date` with the day written '1er' on the first of the month in French ('1er mars 2027').

    `pattern` has the day as a lone `d` ("d MMMM y", "EEEE d MMMM y"); English keeps '1 March 2027'.
    """
    return _format_day(value, pattern, locale_code())


@lru_cache(maxsize=8192)
def _format_day(value: date, pattern: str, locale: str) -> str:
    """`format_day` in `locale`: the same days come back on every page, and babel's formatting is slow (a
    timeline's header writes a quarter's days)."""
    text = babel_format_date(value, format=pattern, locale=locale)
    if value.day != 1 or locale != "fr":
        return text
    before, sep, after = pattern.partition("d")
    prefix = babel_format_date(value, format=before, locale=locale) if before.strip() else before
    return text.replace(prefix + "1", prefix + "1er", 1) if sep else text


def date_long(value: date | None) -> str:
    """'1er mars 2027', '26 février 2027'."""
    return format_day(value, "d MMMM y") if value else ""


def day_month(value: date | None) -> str:
    """'26 février', '1er mars' (French letters write the first of the month so); '1 March' in English."""
    return format_day(value, "d MMMM") if value else ""


DATE_RANGE_SKELETON = "yMMMMd"


@lru_cache(maxsize=8)
def _interval_skeleton(locale: str) -> str:
    """The locale's own interval skeleton nearest DATE_RANGE_SKELETON: babel looks for it at every call
    otherwise (two thirds of the cost of a date range; a statement prints hundreds)."""
    formats = Locale.parse(locale).interval_formats
    if DATE_RANGE_SKELETON in formats:
        return DATE_RANGE_SKELETON
    return match_skeleton(DATE_RANGE_SKELETON, formats) or DATE_RANGE_SKELETON


def date_range(first: date, last: date) -> str:
    """'8–11 déc. 2027', '29 nov. – 2 déc. 2027', '8 déc. 2027' (CLDR's intervals, in the reader's language)."""
    return _date_range(first, last, locale_code())


@lru_cache(maxsize=8192)
def _date_range(first: date, last: date, locale: str) -> str:
    return format_interval(first, last, _interval_skeleton(locale), locale=locale)


def date_short(value: date | None) -> str:
    return format_day(value, "EEE d MMM") if value else ""


def datetime_paris(value: datetime | None) -> str:
    if not value:
        return ""
    local = to_paris(value)
    return format_day(local.date(), "d MMM y") + " " + local.strftime("%H:%M")


def half_label(half: str) -> str:
    return gettext("matin") if half == "am" else gettext("après-midi")


def half_day_label(day: date | str | None, half: str | None = None, *, weekday: bool = False) -> str:
    """'10 mai 2027 (matin)': the one way a half-day is written in histories, audit rows, notifications
    and mails; with `weekday`, 'lundi 10 mai 2027 (matin)' (a notice the reader acts on: the day helps).

    Audit rows store dates as ISO strings, so those are read back too; anything else is shown as is.
    """
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            return day
    if day is None:
        return ""
    return _half_day_text(day, half if half in ("am", "pm") else None, weekday, locale_code())


@lru_cache(maxsize=8192)
def _half_day_text(day: date, half: str | None, weekday: bool, locale: str) -> str:
    """`half_day_label` in `locale` (the reader's): the same half-days come back on every page, and babel's
    formatting is slow (a statement or a timeline writes hundreds)."""
    text = format_day(day, "EEEE d MMMM y") if weekday else date_long(day)
    if half is not None:
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
    app.jinja_env.globals.update(locale_code=locale_code, percent=percent)

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
