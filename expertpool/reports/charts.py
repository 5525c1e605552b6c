"""The reports' chart data, as JSON for static/js/reports.js: the same numbers as the tables beside."""

from flask_babel import gettext as _

from expertpool.i18n import date_short, days_decimal

LEVEL_BAND_LABELS = {
    "0": "0 %",
    "0-25": "1–25 %",
    "25-50": "26–50 %",
    "50-75": "51–75 %",
    "75-100": "76–100 %",
    "100+": "> 100 %",
}


def _days(half_days: int) -> float:
    return float(days_decimal(half_days))  # a chart's JSON wants a number


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def dashboard_charts(data, rows) -> dict:
    """One entry per canvas: {"type", "labels", "datasets": [{"label", "data", "color"}], …}."""
    return {
        "consumption": {
            "type": "bar",
            "stacked": True,
            "horizontal": True,
            "unit": _("jours"),
            "labels": [f.name for f in rows],
            "datasets": [
                {"label": _("Réalisé"), "data": [_days(f.balance.delivered) for f in rows], "color": "delivered"},
                {"label": _("Planifié"), "data": [_days(f.balance.planned) for f in rows], "color": "planned"},
                {"label": _("Restant"), "data": [_days(f.balance.remaining) for f in rows], "color": "remaining"},
                {"label": _("Hors droit"), "data": [_days(f.balance.over_quota) for f in rows], "color": "over"},
            ],
        },
        "backlog": {
            "type": "bar",
            "unit": _("jours"),
            "labels": [row.role for row in data.backlog],
            "datasets": [
                {
                    "label": _("Jours acceptés non planifiés"),
                    "data": [_days(row.unscheduled) for row in data.backlog],
                    "color": "planned",
                }
            ],
        },
        "satisfaction": {
            "type": "bar",
            "integer": True,
            "unit": _("évaluations"),
            "labels": [f"{rating}/5" for rating in range(1, 6)],
            "datasets": [
                {
                    "label": _("Nombre d'évaluations"),
                    "data": [data.satisfaction.counts.get(r, 0) for r in range(1, 6)],
                    "color": "delivered",
                }
            ],
        },
        "fairness": {
            "type": "bar",
            "integer": True,
            "unit": _("membres"),
            "labels": [LEVEL_BAND_LABELS[band] for band, _count in data.fairness.bands],
            "datasets": [
                {
                    "label": _("Membres par niveau d'utilisation du droit de tirage"),
                    "data": [count for _band, count in data.fairness.bands],
                    "color": "planned",
                }
            ],
        },
    }


def utilisation_chart(use) -> dict:
    """The utilisation page's weekly rate, one point per week (the weekly table's figures)."""
    return {
        "type": "line",
        "unit": "%",
        "max": 100,
        "labels": [date_short(w.label_date) for w in use.weeks],
        "datasets": [
            {
                "label": _("Taux d'occupation des experts (%)"),
                "data": [_pct(w.rate) for w in use.weeks],
                "color": "delivered",
            }
        ],
    }
