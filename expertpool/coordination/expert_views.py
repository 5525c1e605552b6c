"""Experts pages for coordinators: list, create/edit, deactivate, and the lists of roles and skills."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from expertpool.coordination import experts_admin
from expertpool.coordination.forms.experts import SKILL_SLOTS, ExpertForm, RoleForm, SkillForm
from expertpool.extensions import db
from expertpool.list_page import paginate_query
from expertpool.models import Booking, BookingStatus, Expert, Role, Skill
from expertpool.timeutil import now_utc, today_paris

PER_PAGE = 50


def experts_list():
    query = (
        select(Expert)
        .options(selectinload(Expert.roles), selectinload(Expert.skills), selectinload(Expert.user))
        .order_by(Expert.active.desc(), Expert.display_name, Expert.id)
    )
    page = paginate_query(query, request.args, PER_PAGE)
    to_reschedule = dict(
        db.session.execute(
            select(Booking.expert_id, func.count(Booking.id))
            .where(
                Booking.expert_id.in_([e.id for e in page.items]),
                Booking.to_reschedule.is_(True),
                Booking.status == BookingStatus.PLANNED,
            )
            .group_by(Booking.expert_id)
        ).all()
    )
    return render_template("coordination/experts.html", page=page, experts=page.items, to_reschedule=to_reschedule)


def _role_choices():
    return [(r.id, r.label) for r in db.session.scalars(select(Role).order_by(Role.label))]


def _expert_data(form: ExpertForm) -> dict:
    return {
        "display_name": " ".join(form.display_name.data.split()),
        "user_id": form.user_id.data,
        "bio": form.bio.data or "",
        "day_rate_cents": form.day_rate.data or 0,
        "week_mask": experts_admin.mask_from_slots(form.week.data or []),
        "works_on_site": bool(form.works_on_site.data),
        "works_remote": bool(form.works_remote.data),
        "role_ids": form.roles.data or [],
        "skill_names": form.skill_names(),
    }


def expert_form(expert_id: int | None = None):
    expert = db.get_or_404(Expert, expert_id) if expert_id is not None else None
    users = [(u.id, f"{u.name} <{u.email}>") for u in experts_admin.linkable_users(expert)]
    form = ExpertForm(obj=expert, role_choices=_role_choices(), user_choices=users)
    if request.method == "GET":
        if expert is not None:
            form.roles.data = [r.id for r in expert.roles]
            form.week.data = experts_admin.slots_from_mask(expert.week_mask)
            form.day_rate.data = expert.day_rate_cents
            for entry, skill in zip(form.skills, expert.skills[:SKILL_SLOTS], strict=False):
                entry.data = skill.name
        else:
            form.week.data = experts_admin.slots_from_mask((1 << 10) - 1)
    if form.validate_on_submit():
        try:
            if expert is None:
                expert = experts_admin.create_expert(_expert_data(form), actor=current_user, now=now_utc())
                flash(_("Expert « %(name)s » créé.", name=expert.display_name), "success")
            elif experts_admin.update_expert(expert, _expert_data(form), actor=current_user, now=now_utc()):
                flash(_("Expert « %(name)s » modifié.", name=expert.display_name), "success")
            db.session.commit()
        except experts_admin.ExpertUserTaken as exc:
            db.session.rollback()
            form.user_id.errors.append(_("Ce compte est déjà lié à l'expert « %(name)s ».", name=str(exc)))
        except IntegrityError:
            db.session.rollback()
            form.display_name.errors.append(_("Enregistrement impossible (modification concurrente) : réessayez."))
        else:
            return redirect(url_for("coordination.experts"), code=303)
    skills = list(db.session.scalars(select(Skill.name).order_by(Skill.name)))
    status = 400 if request.method == "POST" else 200
    return render_template("coordination/expert_form.html", form=form, expert=expert, skill_names=skills), status


def expert_deactivate(expert_id: int):
    expert = db.get_or_404(Expert, expert_id)
    if expert.active:
        flagged = experts_admin.deactivate_expert(expert, actor=current_user, now=now_utc(), today=today_paris())
        db.session.commit()
        flash(
            ngettext(
                "Expert désactivé : %(num)d demi-journée planifiée à replanifier.",
                "Expert désactivé : %(num)d demi-journées planifiées à replanifier.",
                flagged,
            ),
            "success",
        )
    return redirect(url_for("coordination.experts"), code=303)


def expert_reactivate(expert_id: int):
    expert = db.get_or_404(Expert, expert_id)
    if experts_admin.reactivate_expert(expert, actor=current_user, now=now_utc()):
        db.session.commit()
        flash(_("Expert réactivé."), "success")
    return redirect(url_for("coordination.experts"), code=303)


# --- roles and skills ------------------------------------------------------------------------------


def _catalogue_page(role_form=None, skill_form=None, status=200, edit_role=None):
    roles = list(db.session.scalars(select(Role).order_by(Role.label)))
    skills = list(db.session.scalars(select(Skill).order_by(Skill.name)))
    return render_template(
        "coordination/roles_skills.html",
        roles=roles,
        skills=skills,
        role_usage=experts_admin.role_usage(),
        skill_usage=experts_admin.skill_usage(),
        role_form=role_form or RoleForm(formdata=None, obj=edit_role),
        skill_form=skill_form or SkillForm(formdata=None),
        edit_role=edit_role,
    ), status


def roles_skills():
    edit = request.args.get("role", type=int)
    valid = edit is not None and 0 < edit < 2**31  # beyond, PostgreSQL would fail on the look-up
    return _catalogue_page(edit_role=db.session.get(Role, edit) if valid else None)


def role_save(role_id: int | None = None):
    role = db.session.get(Role, role_id) if role_id is not None else None
    if role_id is not None and role is None:
        abort(404)
    form = RoleForm()
    if form.validate_on_submit():
        clash = db.session.scalar(select(Role).where(Role.code == form.code.data))
        if clash is not None and clash is not role:
            form.code.errors.append(_("Ce code existe déjà."))
        else:
            experts_admin.save_role(
                role,
                {"code": form.code.data, "label": form.label.data.strip(), "description": form.description.data or ""},
                actor=current_user,
                now=now_utc(),
            )
            db.session.commit()
            flash(_("Rôle enregistré."), "success")
            return redirect(url_for("coordination.roles_skills"), code=303)
    return _catalogue_page(role_form=form, status=400, edit_role=role)


def skill_create():
    form = SkillForm()
    if form.validate_on_submit():
        name = " ".join(form.name.data.split())
        if db.session.scalar(select(Skill).where(func.lower(Skill.name) == name.lower())) is not None:
            form.name.errors.append(_("Cette compétence existe déjà."))
        else:
            experts_admin.save_skill(None, name, actor=current_user, now=now_utc())
            db.session.commit()
            flash(_("Compétence ajoutée."), "success")
            return redirect(url_for("coordination.roles_skills"), code=303)
    return _catalogue_page(skill_form=form, status=400)


def skill_delete(skill_id: int):
    skill = db.session.get(Skill, skill_id)
    if skill is None:
        abort(404)
    if experts_admin.delete_skill(skill, actor=current_user, now=now_utc()):
        db.session.commit()
        flash(_("Compétence supprimée."), "success")
    else:
        flash(_("Cette compétence est utilisée : elle ne peut pas être supprimée."), "danger")
    return redirect(url_for("coordination.roles_skills"), code=303)
