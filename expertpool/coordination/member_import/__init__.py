"""CSV import of members: read what French spreadsheets write, preview every row, then write all or nothing.

Nothing is stored between the preview and the confirmation except the uploaded file itself, compressed
and signed in the confirmation form (too big for the cookie session, and no table is needed): the
confirmation parses it again, checks the preview is still the same, and writes every accepted row in
the caller's transaction.

Read (reading.py), check and compare (validation.py), carry the file to the confirmation (token.py),
write (writing.py); rows.py holds what they share. The feature's views use the names below.
"""

from expertpool.coordination.member_import.reading import decode, read_rows, sniff_delimiter
from expertpool.coordination.member_import.rows import (
    CREATED,
    MAX_FILE_BYTES,
    REJECTED,
    UNCHANGED,
    UPDATED,
    WRITTEN_FIELDS,
    ImportFileError,
    ImportPreview,
    ImportRow,
)
from expertpool.coordination.member_import.token import make_token, read_token
from expertpool.coordination.member_import.validation import build_preview
from expertpool.coordination.member_import.writing import apply_import, rejected_csv

__all__ = [
    "CREATED",
    "MAX_FILE_BYTES",
    "REJECTED",
    "UNCHANGED",
    "UPDATED",
    "WRITTEN_FIELDS",
    "ImportFileError",
    "ImportPreview",
    "ImportRow",
    "apply_import",
    "build_preview",
    "decode",
    "make_token",
    "read_rows",
    "read_token",
    "rejected_csv",
    "sniff_delimiter",
]
