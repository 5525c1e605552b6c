"""Revoking a calendar feed from the coordination pages (a leaked address, a colleague who left)."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from expertpool import feed_tokens
from expertpool.extensions import db
from expertpool.models import Expert, Member
from expertpool.timeutil import now_utc


def _revoke(owner) -> None:
    if feed_tokens.revoke(owner, actor=current_user, now=now_utc()):
        db.session.commit()
        flash(_("Abonnement au calendrier révoqué : l'ancienne adresse ne fonctionne plus."), "success")


def member_feed_revoke(member_id: int):
    member = db.get_or_404(Member, member_id)
    _revoke(member)
    return redirect(url_for("coordination.member_detail", member_id=member.id), code=303)


def expert_feed_revoke(expert_id: int):
    expert = db.get_or_404(Expert, expert_id)
    _revoke(expert)
    return redirect(url_for("coordination.expert_edit", expert_id=expert.id), code=303)
