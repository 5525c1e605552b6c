"""CSV import of members: read what French spreadsheets write, preview every row, then write all or nothing.

Nothing is stored between the preview and the confirmation except the uploaded file itself, compressed
and signed in the confirmation form (too big for the cookie session, and no table is needed): the
confirmation parses it again, checks the preview is still the same, and writes every accepted row in
the caller's transaction.
"""

import base64
import csv
import hashlib
import io
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from charset_normalizer import from_bytes
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from expertpool.audit import record
from expertpool.extensions import db
from expertpool.i18n import parse_french_decimal
from expertpool.models import Member, MemberKind, is_valid_siren
from expertpool.spreadsheet_safety import csv_writer

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
# A member file has a dozen columns; a line of a million empty ones would keep a worker busy for minutes.
MAX_COLUMNS = 100
# The column is a 32-bit integer on PostgreSQL: 20 million euros is far beyond any pool's contribution.
MAX_CONTRIBUTION_CENTS = 2_000_000_000
TOKEN_MAX_AGE = timedelta(hours=2)

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"

# Column names as people write them in a spreadsheet (compared without accents, case or punctuation).
COLUMN_ALIASES = {
    "name": ("nom", "name", "raison sociale", "structure", "denomination"),
    "kind": ("type", "kind", "categorie", "nature"),
    "insee_code": ("code insee", "insee", "insee code", "code commune", "cog"),
    "siren": ("siren", "numero siren", "n siren"),
    "population": ("population", "habitants", "nombre d habitants"),
    "contribution": ("contribution", "cotisation", "cotisation annuelle", "contribution annuelle", "montant"),
    "parent": ("epci", "parent", "epci de rattachement", "parent epci", "epci parent", "intercommunalite"),
}
KIND_ALIASES = {
    MemberKind.COMMUNE: ("commune", "mairie", "ville"),
    MemberKind.EPCI: (
        "epci",
        "intercommunalite",
        "communaute de communes",
        "communaute d agglomeration",
        "communaute urbaine",
        "metropole",
        "cc",
        "ca",
    ),
    MemberKind.ASSOCIATION: ("association", "asso"),
    MemberKind.SCHOOL: ("school", "ecole", "etablissement scolaire", "college", "lycee"),
    MemberKind.HOSPITAL: ("hospital", "hopital", "etablissement de sante", "ehpad", "centre hospitalier"),
    MemberKind.COMPANY: ("company", "entreprise", "societe"),
    MemberKind.OTHER: ("other", "autre", "syndicat", "ccas"),
}
_KIND_BY_ALIAS = {alias: kind for kind, aliases in KIND_ALIASES.items() for alias in aliases}
_COLUMN_BY_ALIAS = {alias: column for column, aliases in COLUMN_ALIASES.items() for alias in aliases}
WRITTEN_FIELDS = ("name", "kind", "insee_code", "siren", "population", "contribution_cents")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, no header…): the message is French, for the user."""


def _plain(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: 'Code_INSEE' and 'code insée' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    cleaned = "".join(c if c.isalnum() else " " for c in letters)
    return " ".join(cleaned.split())


@dataclass
class ImportRow:
    line: int
    raw: dict
    cells: list[str] = field(default_factory=list)
    status: str = CREATED
    reasons: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    parent_key: str = ""
    member_id: int | None = None
    changes: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.status = REJECTED
        self.reasons.append(reason)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    headers: list[str]
    delimiter: str
    encoding: str

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in (CREATED, UPDATED, UNCHANGED, REJECTED)}

    @property
    def rejected(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == REJECTED]

    @property
    def digest(self) -> str:
        """What the coordinator saw: the confirmation writes only if the preview is still the same."""
        text = "\n".join(f"{r.line}:{r.status}:{r.member_id}:{sorted(r.changes)}" for r in self.rows)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- reading the file -----------------------------------------------------------------------------


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


# --- validating the rows --------------------------------------------------------------------------


def _unreadable(raw: dict) -> bool:
    return any("\ufffd" in v or any(ord(c) < 32 for c in v) for v in raw.values())


def _validate(row: ImportRow) -> None:
    raw = row.raw
    if _unreadable(raw):
        row.reject(_("Caractères illisibles : vérifiez l'encodage du fichier (UTF-8 ou Windows-1252)."))
        return
    name = " ".join(raw.get("name", "").split())
    if not name:
        row.reject(_("Nom manquant."))
    elif len(name) > 200:
        row.reject(_("Nom trop long (200 caractères au plus)."))
    row.data["name"] = name
    kind_text = raw.get("kind", "")
    kind = _KIND_BY_ALIAS.get(_plain(kind_text)) if kind_text else MemberKind.COMMUNE
    if kind is None:
        row.reject(_("Type de structure inconnu : « %(value)s ».", value=kind_text))
    row.data["kind"] = kind
    insee = raw.get("insee_code", "").replace(" ", "").upper()
    if insee and len(insee) == 4 and insee.isdigit():
        insee = "0" + insee  # a spreadsheet dropped the leading zero of an Ain or Aisne commune
    if insee and not (len(insee) == 5 and (insee.isdigit() or (insee[:2] in ("2A", "2B") and insee[2:].isdigit()))):
        row.reject(_("Code INSEE invalide : « %(value)s » (5 caractères attendus).", value=raw.get("insee_code")))
    row.data["insee_code"] = insee or None
    siren = raw.get("siren", "").replace(" ", "").replace("\xa0", "")
    if siren and not is_valid_siren(siren):
        row.reject(_("SIREN invalide : « %(value)s » (9 chiffres, clé de contrôle incorrecte).", value=siren))
    row.data["siren"] = siren or None
    if not insee and not siren:
        row.reject(_("Code INSEE ou SIREN requis pour reconnaître la structure."))
    population = raw.get("population", "")
    if population:
        try:
            value = parse_french_decimal(population)
        except ValueError:
            row.reject(_("Population illisible : « %(value)s ».", value=population))
        else:
            if value < 0:
                row.reject(_("Population négative : %(value)s.", value=population))
            elif value != value.to_integral_value() or value > 10_000_000:
                row.reject(_("Population invalide : %(value)s.", value=population))
            else:
                row.data["population"] = int(value)
    contribution = raw.get("contribution", "").removesuffix("€").strip()
    if contribution:
        try:
            value = parse_french_decimal(contribution) * 100
        except ValueError:
            row.reject(_("Cotisation illisible : « %(value)s » (exemple : 1 250,50).", value=contribution))
        else:
            if value < 0:
                row.reject(_("Cotisation négative : %(value)s.", value=contribution))
            elif value != value.to_integral_value() or value > MAX_CONTRIBUTION_CENTS:
                row.reject(_("Cotisation invalide : %(value)s.", value=contribution))
            else:
                row.data["contribution_cents"] = int(value)
    row.parent_key = raw.get("parent", "")


def build_preview(data: bytes) -> ImportPreview:
    """Classify every row as created / updated / unchanged / rejected, with French reasons (no write)."""
    header, raw_rows, delimiter, encoding = read_rows(data)
    existing = list(
        db.session.execute(
            select(
                Member.id,
                Member.name,
                Member.kind,
                Member.insee_code,
                Member.siren,
                Member.population,
                Member.contribution_cents,
                Member.parent_id,
            )
        ).all()
    )
    by_insee = {m.insee_code: m for m in existing if m.insee_code}
    by_siren = {m.siren: m for m in existing if m.siren}
    rows = [ImportRow(line=line, raw=raw, cells=cells) for line, raw, cells in raw_rows]
    existing_by_id = {m.id: m for m in existing}
    seen_insee: dict[str, int] = {}
    seen_siren: dict[str, int] = {}
    for row in rows:
        _validate(row)
        insee, siren = row.data.get("insee_code"), row.data.get("siren")
        if insee:
            if insee in seen_insee:
                row.reject(_("Code INSEE en double dans le fichier (déjà ligne %(line)d).", line=seen_insee[insee]))
            else:
                seen_insee[insee] = row.line
        if siren:
            if siren in seen_siren:
                row.reject(_("SIREN en double dans le fichier (déjà ligne %(line)d).", line=seen_siren[siren]))
            else:
                seen_siren[siren] = row.line
        if row.status == REJECTED:
            continue
        match = by_insee.get(insee) if insee else None
        other = by_siren.get(siren) if siren else None
        if match is None and other is not None and not (insee and other.insee_code):
            match = other
        if other is not None and match is not None and other.id != match.id:
            row.reject(_("SIREN déjà utilisé par « %(name)s ».", name=other.name))
        elif match is None and other is not None:
            row.reject(_("SIREN déjà utilisé par « %(name)s ».", name=other.name))
        if match is not None:
            row.member_id = match.id
    _resolve_parents(rows, existing)
    for row in rows:
        if row.status != REJECTED and row.member_id is not None:
            row.changes = _changes(row, existing_by_id[row.member_id])
            row.status = UPDATED if row.changes else UNCHANGED
    return ImportPreview(rows=rows, headers=header, delimiter=delimiter, encoding=encoding)


def _resolve_parents(rows: list[ImportRow], existing) -> None:
    """Find each row's EPCI by INSEE code, SIREN or name, among existing EPCI and EPCI rows of the file."""
    epci_keys: dict[str, tuple[str, object]] = {}
    for m in existing:
        if m.kind == MemberKind.EPCI:
            for key in (m.insee_code, m.siren, _plain(m.name)):
                if key:
                    epci_keys[key] = ("id", m.id)
    for row in rows:
        if row.status != REJECTED and row.data.get("kind") == MemberKind.EPCI:
            ref = ("row", row.line)
            for key in (row.data.get("insee_code"), row.data.get("siren"), _plain(row.data["name"])):
                if key:
                    epci_keys.setdefault(key, ref)
    for row in rows:
        if row.status == REJECTED or not row.parent_key:
            continue
        key = row.parent_key.replace(" ", "") if row.parent_key.replace(" ", "").isdigit() else _plain(row.parent_key)
        ref = epci_keys.get(key)
        if ref is None:
            row.reject(_("EPCI inconnu : « %(value)s ».", value=row.parent_key))
        elif ref == ("row", row.line) or (ref[0] == "id" and ref[1] == row.member_id):
            row.reject(_("Une structure ne peut pas être son propre EPCI."))
        else:
            row.data["parent"] = ref


def _changes(row: ImportRow, current) -> list[str]:
    changes = [
        name
        for name in WRITTEN_FIELDS
        if name in row.data and row.data[name] is not None and row.data[name] != getattr(current, name)
    ]
    parent = row.data.get("parent")
    if parent is not None and not (parent[0] == "id" and parent[1] == current.parent_id):
        changes.append("parent_id")
    return changes


# --- writing --------------------------------------------------------------------------------------


class _ImportBatch:
    """Stands for the whole import in the audit log: one action, one row (the members are listed in it)."""

    __tablename__ = "members"
    id = None


def apply_import(preview: ImportPreview, *, actor, now: datetime) -> dict[str, int]:
    """Write every created and updated row (EPCI first, so their communes can point at them); flush only."""
    by_line: dict[int, Member] = {}
    written = [r for r in preview.rows if r.status in (CREATED, UPDATED)]
    ordered = sorted(written, key=lambda r: r.data.get("kind") != MemberKind.EPCI)
    members = {
        m.id: m
        for m in db.session.scalars(select(Member).where(Member.id.in_([r.member_id for r in written if r.member_id])))
    }
    created_ids, updated_ids = [], []
    for row in ordered:
        member = members.get(row.member_id) if row.member_id else Member(created_at=now, contribution_cents=0)
        for name in WRITTEN_FIELDS:
            if row.data.get(name) is not None:
                setattr(member, name, row.data[name])
        if member.id is None:
            db.session.add(member)
        by_line[row.line] = member
    db.session.flush()
    for row in ordered:
        parent = row.data.get("parent")
        if parent is not None:
            by_line[row.line].parent_id = parent[1] if parent[0] == "id" else by_line[parent[1]].id
        (created_ids if row.status == CREATED else updated_ids).append(by_line[row.line].id)
    db.session.flush()
    counts = {
        "created": len(created_ids),
        "updated": len(updated_ids),
        "unchanged": preview.count(UNCHANGED),
        "rejected": preview.count(REJECTED),
    }
    record(
        actor,
        "member.import",
        _ImportBatch(),
        now=now,
        after={**counts, "created_ids": created_ids, "updated_ids": updated_ids},
    )
    return counts


# --- carrying the file to the confirmation ------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="member-import")


def make_token(data: bytes) -> str:
    return _serializer().dumps(base64.b64encode(zlib.compress(data, 6)).decode("ascii"))


def read_token(token: str) -> bytes:
    try:
        payload = _serializer().loads(token, max_age=int(TOKEN_MAX_AGE.total_seconds()))
        return zlib.decompress(base64.b64decode(payload))
    except (BadSignature, ValueError, TypeError, zlib.error) as exc:
        raise ImportFileError(_("L'aperçu a expiré ou a été modifié : importez le fichier à nouveau.")) from exc


def rejected_csv(preview: ImportPreview) -> str:
    """The rejected rows as the coordinator sent them, plus the line and the reason, to correct and re-import."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([_("ligne"), *preview.headers, _("motif du rejet")])
    width = len(preview.headers)
    for row in preview.rejected:
        cells = (row.cells + [""] * width)[:width]
        writer.writerow([row.line, *cells, " ; ".join(row.reasons)])
    return "\ufeff" + out.getvalue()
