"""Checking every row and comparing it with the members already known: the preview."""

from flask_babel import gettext as _
from sqlalchemy import select

from expertpool.coordination.member_import.reading import read_rows
from expertpool.coordination.member_import.rows import (
    _KIND_BY_ALIAS,
    MAX_CONTRIBUTION_CENTS,
    REJECTED,
    UNCHANGED,
    UPDATED,
    WRITTEN_FIELDS,
    ImportPreview,
    ImportRow,
    _plain,
)
from expertpool.extensions import db
from expertpool.i18n import parse_french_decimal
from expertpool.models import Member, MemberKind, is_valid_siren


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
