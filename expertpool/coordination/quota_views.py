"""Quota periods pages: the list, opening a period (preview then confirm) and editing a period's policy."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from expertpool import quota_policies
from expertpool.coordination import quota_periods
from expertpool.coordination.forms.periods import BAND_SLOTS, PeriodForm
from expertpool.extensions import db
from expertpool.labels import POLICY_LABELS
from expertpool.models import PoolSettings, QuotaPeriod, QuotaPolicy
from expertpool.timeutil import now_utc


def periods_list():
    return render_template(
        "coordination/periods.html", periods=quota_periods.periods_overview(), policy_labels=POLICY_LABELS
    )


def _policy(form: PeriodForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "start_date": form.start_date.data,
        "end_date": form.end_date.data,
        "policy": form.policy.data,
        "fixed_half_days": form.fixed_days.data or 0,
        "unit_price_cents": form.unit_price.data or PoolSettings.load(db.session).unit_price_cents or 1,
        "population_bands": form.band_rows() if form.policy.data == QuotaPolicy.POPULATION else [],
        "carry_over_cap_half_days": form.carry_over_cap.data or 0,
    }


def _fill_bands(form: PeriodForm, bands: list[dict]) -> None:
    for entry, band in zip(form.bands, bands[:BAND_SLOTS], strict=False):
        entry.max_population.data = band.get("max_population")
        entry.days.data = band.get("half_days")


def _defaults_for_new(form: PeriodForm) -> None:
    """Next calendar year after the latest period, with the same policy (the usual yearly opening)."""
    latest = db.session.scalar(select(QuotaPeriod).order_by(QuotaPeriod.start_date.desc()).limit(1))
    year = (latest.end_date.year + 1) if latest else now_utc().year
    form.name.data = str(year)
    form.start_date.data, form.end_date.data = date(year, 1, 1), date(year, 12, 31)
    if latest is not None:
        form.policy.data = latest.policy
        form.fixed_days.data = latest.fixed_half_days
        form.unit_price.data = latest.unit_price_cents
        form.carry_over_cap.data = latest.carry_over_cap_half_days
        _fill_bands(form, latest.population_bands or [])
    else:
        form.policy.data = QuotaPolicy.FIXED
        form.unit_price.data = PoolSettings.load(db.session).unit_price_cents
        form.carry_over_cap.data = 0


def period_new():
    form = PeriodForm()
    if request.method == "GET":
        _defaults_for_new(form)
        return render_template("coordination/period_form.html", form=form, period=None, lines=None)
    if not form.validate_on_submit():
        return render_template("coordination/period_form.html", form=form, period=None, lines=None), 400
    policy = _policy(form)
    clash = quota_policies.check_overlap(policy["start_date"], policy["end_date"])
    if clash is not None:
        form.start_date.errors.append(_("Cette période chevauche la période « %(name)s ».", name=clash.name))
        return render_template("coordination/period_form.html", form=form, period=None, lines=None), 400
    if request.form.get("confirm") != "1":
        lines = quota_policies.preview_period(policy)
        return render_template(
            "coordination/period_form.html",
            form=form,
            period=None,
            lines=lines,
            total=sum(line.total for line in lines),
        )
    period = quota_policies.open_period(policy, actor=current_user, now=now_utc())
    db.session.commit()
    flash(_("Période « %(name)s » ouverte : droits de tirage calculés.", name=period.name), "success")
    return redirect(url_for("coordination.periods"), code=303)


def period_edit(period_id: int):
    period = db.session.get(QuotaPeriod, period_id)
    if period is None:
        abort(404)
    form = PeriodForm(obj=period)
    if request.method == "GET":
        form.fixed_days.data = period.fixed_half_days
        form.unit_price.data = period.unit_price_cents
        form.carry_over_cap.data = period.carry_over_cap_half_days
        _fill_bands(form, period.population_bands or [])
        return render_template("coordination/period_form.html", form=form, period=period, lines=None)
    if form.validate_on_submit():
        try:
            changed = quota_periods.update_period(period, _policy(form), actor=current_user, now=now_utc())
        except quota_policies.PeriodOverlap as exc:
            db.session.rollback()
            form.start_date.errors.append(_("Cette période chevauche la période « %(name)s ».", name=str(exc)))
        else:
            db.session.commit()
            if changed:
                flash(_("Période modifiée."), "success")
            return redirect(url_for("coordination.periods"), code=303)
    return render_template("coordination/period_form.html", form=form, period=period, lines=None), 400
