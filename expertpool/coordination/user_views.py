"""Users pages for coordinators: list, invite, change role, deactivate/reactivate, resend the invitation."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from expertpool.coordination import users_admin
from expertpool.coordination.forms.users import ChangeRoleForm, InviteForm, UserFilterForm
from expertpool.extensions import db
from expertpool.labels import ROLE_LABELS
from expertpool.list_page import paginate_query
from expertpool.models import Member, User
from expertpool.permissions import can_manage_user, grantable_roles
from expertpool.timeutil import now_utc

PER_PAGE = 30


def _member_choices():
    rows = db.session.execute(select(Member.id, Member.name).where(Member.active.is_(True)).order_by(Member.name))
    return [tuple(row) for row in rows]


def _role_choices():
    return [(r, ROLE_LABELS[r]) for r in grantable_roles(current_user)]


def users_list():
    form = UserFilterForm(request.args)
    valid = form.validate()
    query = (
        users_admin.search_users(q=form.q.data or "", role=form.role.data or "")
        if valid
        else users_admin.search_users()
    )
    page = paginate_query(query, request.args, PER_PAGE)
    link_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "coordination/users.html",
        form=form,
        page=page,
        role_labels=ROLE_LABELS,
        link_args=link_args,
    ), (200 if valid else 400)


def user_invite():
    form = InviteForm(role_choices=_role_choices(), member_choices=_member_choices())
    if form.validate_on_submit():
        try:
            user = users_admin.invite(
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                member_id=form.member_id.data,
                locale=form.locale.data,
                actor=current_user,
                now=now_utc(),
            )
        except users_admin.UserAdminError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Invitation envoyée à %(email)s.", email=user.email), "success")
            return redirect(url_for("coordination.users"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("coordination/user_invite.html", form=form), status


def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    if not can_manage_user(current_user, user):
        abort(403)
    form = ChangeRoleForm(obj=user, role_choices=_role_choices(), member_choices=_member_choices())
    if form.validate_on_submit():
        try:
            changed = users_admin.change_role(
                user, role=form.role.data, member_id=form.member_id.data, actor=current_user, now=now_utc()
            )
        except users_admin.UserAdminError as exc:
            db.session.rollback()
            form.role.errors.append(exc.message)
        else:
            db.session.commit()
            if changed:
                flash(_("Rôle de %(name)s modifié.", name=user.name), "success")
            return redirect(url_for("coordination.users"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("coordination/user_edit.html", form=form, user=user), status


def _account_action(user_id: int, action, message: str):
    user = db.get_or_404(User, user_id)
    if not can_manage_user(current_user, user):
        abort(403)
    try:
        done = action(user)
    except users_admin.UserAdminError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("coordination.users"), code=303)
    db.session.commit()
    if done is not False:
        flash(message, "success")
    return redirect(url_for("coordination.users"), code=303)


def user_deactivate(user_id: int):
    return _account_action(
        user_id,
        lambda u: users_admin.set_user_active(u, False, actor=current_user, now=now_utc()),
        _("Compte désactivé."),
    )


def user_reactivate(user_id: int):
    return _account_action(
        user_id,
        lambda u: users_admin.set_user_active(u, True, actor=current_user, now=now_utc()),
        _("Compte réactivé."),
    )


def user_resend(user_id: int):
    return _account_action(
        user_id,
        lambda u: users_admin.resend_invitation(u, actor=current_user, now=now_utc()),
        _("Invitation renvoyée."),
    )
