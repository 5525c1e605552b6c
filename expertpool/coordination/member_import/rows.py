"""What an import reads and shows: its limits, the aliases of columns and kinds, a row, a preview."""

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from expertpool.models import MemberKind

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
