"""What coordinators use every day: the blueprint and its routing table.

The view functions live in small modules by subject; every rule is registered here behind the staff
gate, so no coordinator page or action can be reached by a member, an expert or a visitor.
"""

from flask import Blueprint

from expertpool.coordination import (
    audit_view,
    expert_views,
    feed_views,
    home,
    member_views,
    queue,
    quota_views,
    user_views,
)
from expertpool.permissions import staff_required

bp = Blueprint("coordination", __name__, url_prefix="/coordination")

GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")

# (rule, endpoint, view, methods)
ROUTES = [
    ("/", "home", home.home_page, GET),
    # approval queue
    ("/demandes", "queue", queue.queue_page, GET),
    ("/demandes/<int:request_id>", "request_detail", queue.request_detail, GET),
    ("/demandes/<int:request_id>/accepter", "approve", queue.approve, POST),
    ("/demandes/<int:request_id>/refuser", "reject", queue.reject, POST),
    ("/demandes/<int:request_id>/precisions", "ask_information", queue.ask_information, POST),
    # members and their CSV import
    ("/membres", "members", member_views.members_list, GET),
    ("/membres/nouveau", "member_new", member_views.member_form, BOTH),
    ("/membres/<int:member_id>", "member_detail", member_views.member_detail, GET),
    ("/membres/<int:member_id>/modifier", "member_edit", member_views.member_form, BOTH),
    ("/membres/<int:member_id>/desactiver", "member_deactivate", member_views.member_deactivate, POST),
    ("/membres/<int:member_id>/reactiver", "member_reactivate", member_views.member_reactivate, POST),
    ("/membres/<int:member_id>/ajuster", "member_adjust", member_views.member_adjust, POST),
    ("/membres/<int:member_id>/calendrier/revoquer", "member_feed_revoke", feed_views.member_feed_revoke, POST),
    ("/membres/import", "member_import", member_views.import_upload, BOTH),
    ("/membres/import/confirmer", "member_import_confirm", member_views.member_import_confirm, POST),
    ("/membres/import/rejets.csv", "member_import_rejected", member_views.member_import_rejected, POST),
    # quota periods
    ("/periodes", "periods", quota_views.periods_list, GET),
    ("/periodes/nouvelle", "period_new", quota_views.period_new, BOTH),
    ("/periodes/<int:period_id>/modifier", "period_edit", quota_views.period_edit, BOTH),
    # experts, roles and skills
    ("/experts", "experts", expert_views.experts_list, GET),
    ("/experts/nouveau", "expert_new", expert_views.expert_form, BOTH),
    ("/experts/<int:expert_id>/modifier", "expert_edit", expert_views.expert_form, BOTH),
    ("/experts/<int:expert_id>/desactiver", "expert_deactivate", expert_views.expert_deactivate, POST),
    ("/experts/<int:expert_id>/reactiver", "expert_reactivate", expert_views.expert_reactivate, POST),
    ("/experts/<int:expert_id>/calendrier/revoquer", "expert_feed_revoke", feed_views.expert_feed_revoke, POST),
    ("/roles-competences", "roles_skills", expert_views.roles_skills, GET),
    ("/roles", "role_create", expert_views.role_save, POST),
    ("/roles/<int:role_id>", "role_update", expert_views.role_save, POST),
    ("/competences", "skill_create", expert_views.skill_create, POST),
    ("/competences/<int:skill_id>/supprimer", "skill_delete", expert_views.skill_delete, POST),
    # users
    ("/utilisateurs", "users", user_views.users_list, GET),
    ("/utilisateurs/inviter", "user_invite", user_views.user_invite, BOTH),
    ("/utilisateurs/<int:user_id>", "user_edit", user_views.user_edit, BOTH),
    ("/utilisateurs/<int:user_id>/desactiver", "user_deactivate", user_views.user_deactivate, POST),
    ("/utilisateurs/<int:user_id>/reactiver", "user_reactivate", user_views.user_reactivate, POST),
    ("/utilisateurs/<int:user_id>/reinviter", "user_resend", user_views.user_resend, POST),
    # audit log (read-only)
    ("/journal", "audit", audit_view.audit_page, GET),
]

# Ids beyond a 32-bit integer would make PostgreSQL fail (500): the URL does not match them (404).
_ID = "<int(max=2147483647):"

for _rule, _endpoint, _view, _methods in ROUTES:
    bp.add_url_rule(_rule.replace("<int:", _ID), _endpoint, staff_required(_view), methods=list(_methods))
