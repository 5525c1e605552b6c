"""Reading the uploaded file: its encoding, its delimiter, its rows (with the limits that keep it small)."""

import csv
import io

from charset_normalizer import from_bytes
from flask_babel import gettext as _

from expertpool.coordination.member_import.rows import (
    _COLUMN_BY_ALIAS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportFileError,
    _plain,
)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 with or without BOM, else Windows-1252 as Excel writes it in France."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" not in data:
        best = from_bytes(data, cp_isolation=["cp1252", "latin_1"]).best()
        if best is not None:
            try:
                return data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                pass
    raise ImportFileError(_("Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8 ou Windows-1252."))


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") >= header.count(",") else ","


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict, list[str]]], str, str]:
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("Fichier trop volumineux (2 Mo au plus)."))
    text, encoding = decode(data)
    if not text.strip():
        raise ImportFileError(_("Le fichier est vide."))
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        _check_width(header)
        columns = [_COLUMN_BY_ALIAS.get(_plain(h)) for h in header]
        if "name" not in columns:
            raise ImportFileError(_("Colonne « nom » introuvable dans la première ligne du fichier."))
        if "insee_code" not in columns and "siren" not in columns:
            raise ImportFileError(_("Il faut une colonne « code INSEE » ou « SIREN »."))
        rows = []
        for values in reader:
            _check_width(values)
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(_("Trop de lignes (%(n)d au plus).", n=MAX_ROWS))
            raw = {col: values[i].strip() if i < len(values) else "" for i, col in enumerate(columns) if col}
            rows.append((reader.line_num, raw, values))
    except csv.Error as exc:
        raise ImportFileError(_("Fichier CSV illisible : %(error)s", error=str(exc))) from exc
    return header, rows, delimiter, encoding


def _check_width(values: list[str]) -> None:
    if len(values) > MAX_COLUMNS:
        raise ImportFileError(_("Trop de colonnes (%(n)d au plus) : vérifiez le séparateur du fichier.", n=MAX_COLUMNS))
