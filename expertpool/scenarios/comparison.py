"""The comparison of the baseline and up to three scenarios: rows of figures side by side, the sentence
saying what changed most, chart specs (drawn by static/js/reports.js, the same numbers as the tables)
and the export dataset (written by the reports' formula-safe CSV/XLSX writers)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from expertpool.i18n import days_label, money
from expertpool.scenarios.changes import read_changes
from expertpool.spreadsheet_datasets import DAYS, INT, MONEY, PERCENT, Dataset
from expertpool.spreadsheet_datasets import Column as ExportColumn
from expertpool.unserved_reasons import reason_short_label

MAX_COMPARED = 3
MEMBER_SORTS = ("change", "name")


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    figures: dict
    scenario: object = None  # None: the baseline


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    kind: str  # "days" (half-days), "calendar_days", "int", "percent", "index" (fractions), "money" (cents)
    values: list


def columns(scenarios: list) -> list[Column]:
    """The baseline (the first scenario's, run on the same data) then each scenario."""
    first = scenarios[0].result
    return [Column(_("Situation actuelle (aperçu du planificateur)"), first["baseline"])] + [
        Column(s.name, s.result["scenario"], s) for s in scenarios
    ]


def summary_rows(cols: list[Column]) -> list[Row]:
    totals = [c.figures["totals"] for c in cols]
    rows = [
        Row(_("Servi dans le droit de tirage"), "days", [t["within"] for t in totals]),
        Row(_("Servi hors droit de tirage"), "days", [t["over"] for t in totals]),
        Row(_("Non servi"), "days", [t["unserved"] for t in totals]),
    ]
    codes = sorted({code for c in cols for code in c.figures["unserved_by_reason"]})
    rows += [
        Row(
            _("Non servi : %(reason)s", reason=reason_short_label(code)),
            "days",
            [c.figures["unserved_by_reason"].get(code, 0) for c in cols],
        )
        for code in codes
    ]
    rows += [
        Row(_("Membres qui restent en attente"), "int", [t["waiting_members"] for t in totals]),
        Row(
            _("Délai médian avant la première demi-journée"), "calendar_days", [t["median_delay_days"] for t in totals]
        ),
        Row(_("Plus petit niveau d'utilisation (membres en attente)"), "percent", [t["min_level"] for t in totals]),
        Row(_("Indice d'équité de Jain"), "index", [t["jain"] for t in totals]),
        Row(_("Montant facturable hors droit de tirage"), "money", [t["billable_cents"] for t in totals]),
    ]
    return rows


def member_rows(cols: list[Column], sort: str = "change") -> list[dict]:
    """One row per member: served and level in each column; the members that gain or lose most first."""
    ids = sorted({m for c in cols for m in c.figures["members"]}, key=int)
    rows = []
    for member_id in ids:
        cells = [c.figures["members"].get(member_id) for c in cols]
        name = next(cell["name"] for cell in cells if cell)
        served = [cell["served"] if cell else 0 for cell in cells]
        rows.append(
            {
                "name": name,
                "cells": cells,
                "change": max((abs(v - served[0]) for v in served[1:]), default=0),
                "delta": [v - served[0] for v in served[1:]],
            }
        )
    if sort == "name":
        return sorted(rows, key=lambda r: r["name"].lower())
    return sorted(rows, key=lambda r: (-r["change"], r["name"].lower()))


def keyed_rows(cols: list[Column], key: str, fields: tuple[str, ...]) -> list[dict]:
    """Roles, experts or envelopes: {"name", "values": [[field values] per column]} in a stable order."""
    keys: list[str] = []
    for c in cols:
        keys += [k for k in c.figures[key] if k not in keys]
    rows = []
    for k in keys:
        entries = [c.figures[key].get(k) for c in cols]
        first = next(e for e in entries if e)
        name = first.get("label") or first.get("name") or _("Expert ajouté (%(key)s)", key=k.removeprefix("e--"))
        # None: not in that column (an added expert is not in the baseline).
        rows.append({"name": name, "values": [[e.get(f, 0) for f in fields] if e else None for e in entries]})
    return rows


# --- the sentence ----------------------------------------------------------------------------------


def what_changed(scenario) -> str:
    """ "Avec 1 expert de plus (dba)": the scenario's changes, as a coordinator would say them."""
    try:
        changes = read_changes(scenario.changes)
    except ValueError:
        return _("Avec ces changements")
    parts = []
    if changes.added:
        roles = ", ".join(sorted({a.role for a in changes.added}))
        parts.append(
            ngettext(
                "avec %(num)d expert de plus (%(roles)s)",
                "avec %(num)d experts de plus (%(roles)s)",
                len(changes.added),
                roles=roles,
            )
        )
    if changes.removed:
        parts.append(ngettext("avec %(num)d expert de moins", "avec %(num)d experts de moins", len(changes.removed)))
    if changes.policy:
        parts.append(_("avec une autre règle de droit de tirage"))
    if changes.member_right:
        parts.append(_("avec le droit d'un membre changé"))
    if changes.unit_price_cents:
        parts.append(_("à %(price)s la demi-journée", price=money(changes.unit_price_cents)))
    if changes.horizon_weeks:
        parts.append(ngettext("sur %(num)d semaine", "sur %(num)d semaines", changes.horizon_weeks))
    text = ", ".join(parts) or _("sans changement")
    return text[:1].upper() + text[1:]


def sentence(scenario) -> str:
    """What changed most against the baseline, in the reader's language."""
    base, new = scenario.result["baseline"]["totals"], scenario.result["scenario"]["totals"]
    effects = []
    fewer = base["waiting_members"] - new["waiting_members"]
    if fewer > 0:
        effects.append(
            ngettext(
                "%(num)d membre de moins reste en attente",
                "%(num)d membres de moins restent en attente",
                fewer,
            )
        )
    elif fewer < 0:
        effects.append(
            ngettext("%(num)d membre de plus reste en attente", "%(num)d membres de plus restent en attente", -fewer)
        )
    else:
        effects.append(_("autant de membres restent en attente"))
    before, after = base["median_delay_days"], new["median_delay_days"]
    if before is not None and after is not None and before != after:
        effects.append(
            ngettext(
                "le délai médian passe de %(before)s à %(num)s jour",
                "le délai médian passe de %(before)s à %(num)s jours",
                int(after),
                before=_number(before),
                num=_number(after),
            )
        )
    changes = [
        (abs(new["over"] - base["over"]), "over"),
        (abs(new["within"] - base["within"]), "within"),
    ]
    size, which = max(changes)
    if size:
        delta = new[which] - base[which]
        label = days_label(abs(delta))
        if which == "within":
            text = _("%(days)s de plus dans le droit de tirage", days=label) if delta > 0 else None
            text = text or _("%(days)s de moins dans le droit de tirage", days=label)
        else:
            text = _("%(days)s de plus hors droit de tirage", days=label) if delta > 0 else None
            text = text or _("%(days)s de moins hors droit de tirage", days=label)
        effects.append(text)
    return _("%(changes)s, %(effects)s.", changes=what_changed(scenario), effects=" ; ".join(effects))


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


# --- charts and export -----------------------------------------------------------------------------


def charts(cols: list[Column], roles: list[dict]) -> dict:
    """Specs for static/js/reports.js: the same figures as the tables beside them (in days)."""
    titles = [c.title for c in cols]
    totals = [c.figures["totals"] for c in cols]
    return {
        "served": {
            "type": "bar",
            "stacked": True,
            "unit": _("jours"),
            "labels": titles,
            "datasets": [
                {"label": _("Dans le droit"), "data": [t["within"] / 2 for t in totals], "color": "delivered"},
                {"label": _("Hors droit"), "data": [t["over"] / 2 for t in totals], "color": "over"},
                {"label": _("Non servi"), "data": [t["unserved"] / 2 for t in totals], "color": "remaining"},
            ],
        },
        "roles": {
            "type": "bar",
            "unit": _("jours"),
            "labels": [r["name"] for r in roles],
            "datasets": [
                {"label": title, "data": [(r["values"][k] or [0])[0] / 2 for r in roles], "color": color}
                for k, (title, color) in enumerate(
                    zip(titles, ("remaining", "planned", "delivered", "over"), strict=False)
                )
            ],
        },
    }


def export_dataset(cols: list[Column]) -> Dataset:
    """The comparison for CSV and XLSX, one line per figure and situation (long format: each value in
    the column of its unit, so that both files hold typed numbers)."""
    columns = [
        ExportColumn(_("Indicateur")),
        ExportColumn(_("Membre")),
        ExportColumn(_("Situation")),
        ExportColumn(_("Jours"), DAYS),
        ExportColumn(_("Nombre"), INT),
        ExportColumn(_("Pourcentage"), PERCENT),
        ExportColumn(_("Montant (€ HT)"), MONEY),
    ]
    unit_index = {"days": 0, "calendar_days": 0, "int": 1, "percent": 2, "index": 2, "money": 3}
    rows = []

    def line(label, member, title, value, kind):
        values = [None, None, None, None]
        if value is not None:
            values[unit_index[kind]] = round(value * 2) if kind == "calendar_days" else value
        rows.append((label, member, title, *values))

    for row in summary_rows(cols):
        for c, value in zip(cols, row.values, strict=True):
            line(row.label, "", c.title, value, row.kind)
    for member in member_rows(cols, "name"):
        for c, cell in zip(cols, member["cells"], strict=True):
            line(_("Servi"), member["name"], c.title, (cell or {}).get("served", 0), "days")
            line(_("Niveau d'utilisation après"), member["name"], c.title, (cell or {}).get("level"), "percent")
    return Dataset(_("Comparaison"), columns, rows)
