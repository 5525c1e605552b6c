"""Spreadsheet-formula-safe CSV cells (OWASP "CSV injection").

A minimal local version: a shared helper for every CSV of the app is being written elsewhere; when it
lands, `formula_safe` is the one function to swap for it.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value) -> str:
    """The cell text; one that a spreadsheet would read as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
