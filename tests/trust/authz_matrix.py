"""Who may reach each route: endpoint -> the expected outcome per role, for GET and for POST.

The world (tests/trust/world.py) fills URL arguments with objects of member A and expert X, so "404"
for member B or expert Y means "another structure's object is hidden", and "403" means "a page of
another role". Outcomes: OK (any answer but the ones below: a page, a redirect elsewhere, a 400 form
error), LOGIN (redirect to the login page), FORBIDDEN (403), NOT_FOUND (404).

A route that is in `app.url_map` but not here fails tests/trust/test_trust_authz.py: every new route
must say who may use it.
"""

from dataclasses import dataclass, field

from trust.routes import FORBIDDEN, LOGIN, NOT_FOUND, OK
from trust.world import ROLES


def access(anonymous, member_a, member_b, expert_x, expert_y, coordinator, admin) -> dict[str, str]:
    return dict(zip(ROLES, (anonymous, member_a, member_b, expert_x, expert_y, coordinator, admin), strict=True))


@dataclass(frozen=True)
class Access:
    get: dict | None = None  # expectations for GET (None: the route has no GET)
    post: dict | None = None  # for POST; None: same as GET
    args: dict = field(default_factory=dict)  # URL argument -> world key (or literal value)

    def expected(self, method: str) -> dict[str, str] | None:
        if method == "POST":
            return self.post if self.post is not None else self.get
        return self.get


# The usual shapes.
PUBLIC = access(OK, OK, OK, OK, OK, OK, OK)
LOGGED_IN = access(LOGIN, OK, OK, OK, OK, OK, OK)
STAFF = access(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK)
ADMIN = access(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
MEMBERS = access(LOGIN, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)
EXPERTS = access(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN)
MEMBERS_AND_STAFF = access(LOGIN, OK, OK, FORBIDDEN, FORBIDDEN, OK, OK)
EXPERTS_AND_STAFF = access(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK)
# An object of member A: its users and the staff; member B gets 404, experts 403 (a member page).
MEMBER_A_OBJECT = access(LOGIN, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK, OK)
MEMBER_A_ONLY = access(LOGIN, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)
# An object of expert X: X and the staff; expert Y gets 404, members 403 (an expert page).
EXPERT_X_OBJECT = access(LOGIN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND, OK, OK)
EXPERT_X_ONLY = access(LOGIN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN)
# An EPCI's own page: member users of a commune get 404 (no envelope of theirs), other roles 403.
NOT_AN_EPCI = access(LOGIN, NOT_FOUND, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)
# A secret link: whoever holds it (no login).
TOKEN = PUBLIC

API_REFUSED = dict.fromkeys(ROLES, LOGIN)
API_OPERATIONS = (
    "list_experts",
    "read_expert",
    "agenda",
    "list_unavailability",
    "declare_unavailability",
    "remove_unavailability",
    "record_delivery",
    "write_report",
    "me",
    "my_position",
    "list_members",
    "read_member",
    "member_position",
    "list_periods",
    "adjust",
    "preview",
    "commit",
    "read_run",
    "queue",
    "approve",
    "reject",
    "ask_information",
    "read_approval_setting",
    "write_approval_setting",
    "envelope_reviews",
    "approve_draw",
    "refuse_draw",
    "read_cap",
    "write_cap",
    "statement",
    "dataset",
    "list_requests",
    "read_request",
    "create_request",
    "update_request",
    "send_request",
    "cancel_request",
    "rate_request",
    "list_messages",
    "post_message",
)

MATRIX: dict[str, Access] = {
    "static": Access(get=PUBLIC),
    # probes: no login, whoever asks (a supervisor, a load balancer)
    "health.healthz": Access(get=PUBLIC),
    "health.readyz": Access(get=PUBLIC),
    # accounts
    "auth.login": Access(get=PUBLIC),
    # logging out ends on the login page, whoever asks
    "auth.logout": Access(post=dict.fromkeys(ROLES, LOGIN)),
    "auth.forgot_password": Access(get=PUBLIC),
    "auth.accept_invitation": Access(get=TOKEN),
    "auth.reset_password": Access(get=TOKEN),
    "auth.profile": Access(get=LOGGED_IN),
    # sign-in through an OpenID provider: the trust app has no issuer, so the redirect and the callback
    # do not exist (tests/functional/test_oidc_signin.py covers them with a real provider)
    "oidc.start": Access(get=dict.fromkeys(ROLES, NOT_FOUND)),
    "oidc.callback": Access(get=dict.fromkeys(ROLES, NOT_FOUND)),
    # asking to join needs a provider sign-in of this browser first: otherwise back to the login page
    "oidc.join": Access(get=dict.fromkeys(ROLES, LOGIN)),
    # requests to join member A: its users and the staff decide; member B does not see it
    "oidc.join_requests": Access(get=MEMBERS_AND_STAFF),
    "oidc.approve_join": Access(post=MEMBER_A_OBJECT),
    "oidc.refuse_join": Access(post=MEMBER_A_OBJECT),
    "oidc.user_identities": Access(get=STAFF),
    "oidc.unlink": Access(post=STAFF),
    # everyone's pages
    "main.home": Access(get=PUBLIC),
    "main.language": Access(get=PUBLIC),
    "main.notifications": Access(get=LOGGED_IN),
    "main.mark_notifications_read": Access(post=LOGGED_IN),
    # a notification of member A's user: the others cannot open it
    "main.open_notification": Access(get=access(LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)),
    # catalogue
    "catalogue.index": Access(get=LOGGED_IN),
    "catalogue.expert": Access(get=LOGGED_IN),
    # members
    "requests.dashboard": Access(get=MEMBERS),
    "requests.index": Access(get=MEMBERS),
    "requests.new": Access(get=MEMBERS),
    "requests.quota_check": Access(get=MEMBERS),
    "requests.detail": Access(get=MEMBER_A_ONLY),
    # an EPCI's envelope: its own users only (members A and B are communes: 404), and the staff's page
    "envelope.manage": Access(get=NOT_AN_EPCI),
    "envelope.queue": Access(get=NOT_AN_EPCI),
    "envelope.cap": Access(post=NOT_AN_EPCI, args={"commune_id": "epci_commune"}),
    "envelope.approval_setting": Access(post=NOT_AN_EPCI),
    "envelope.approve": Access(post=NOT_AN_EPCI),
    "envelope.refuse": Access(post=NOT_AN_EPCI),
    "envelope.staff_manage": Access(get=STAFF, args={"epci_id": "epci"}),
    "envelope.staff_cap": Access(post=STAFF, args={"epci_id": "epci", "commune_id": "epci_commune"}),
    "requests.edit": Access(get=MEMBER_A_ONLY),
    "requests.messages": Access(get=MEMBER_A_ONLY),
    "requests.cancel": Access(get=MEMBER_A_ONLY),
    "requests.rate": Access(post=MEMBER_A_ONLY, args={"request_id": "completed"}),
    "requests.accept_quote": Access(post=MEMBER_A_ONLY, args={"request_id": "approved"}),
    # experts
    "agenda.index": Access(get=EXPERTS),
    "agenda.assignments": Access(get=EXPERTS),
    "agenda.expert_assignments": Access(get=EXPERT_X_OBJECT),
    "agenda.week": Access(get=EXPERT_X_OBJECT),
    "agenda.month": Access(get=EXPERT_X_OBJECT),
    "agenda.unavailabilities": Access(get=EXPERT_X_OBJECT),
    "agenda.unavailability_new": Access(get=EXPERT_X_OBJECT),
    "agenda.unavailability_edit": Access(get=EXPERT_X_OBJECT, args={"item_id": "unavailability"}),
    "agenda.unavailability_delete": Access(post=EXPERT_X_OBJECT, args={"item_id": "unavailability"}),
    "agenda.record_delivery": Access(get=EXPERT_X_OBJECT, args={"booking_id": "due_booking"}),
    "agenda.report": Access(get=EXPERT_X_OBJECT, args={"request_id": "scheduled"}),
    "agenda.contact_page": Access(get=EXPERT_X_OBJECT),
    "agenda.week_pattern_page": Access(
        get=EXPERT_X_OBJECT, post=access(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, OK, OK)
    ),
    # calendar feeds: the subscription pages, the secret-token feeds, one-off .ics files
    "feeds.expert_calendar": Access(get=EXPERTS),
    "feeds.member_calendar": Access(get=MEMBERS),
    "feeds.expert_feed": Access(get=TOKEN),
    "feeds.member_feed": Access(get=TOKEN),
    "feeds.booking_ics": Access(get=access(LOGIN, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK)),
    "feeds.request_ics": Access(
        get=access(LOGIN, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK), args={"request_id": "scheduled"}
    ),
    # coordination
    "coordination.home": Access(get=STAFF),
    "coordination.queue": Access(get=STAFF),
    "coordination.request_detail": Access(get=STAFF),
    "coordination.approve": Access(post=STAFF),
    "coordination.reject": Access(post=STAFF),
    "coordination.ask_information": Access(post=STAFF),
    "coordination.members": Access(get=STAFF),
    "coordination.member_new": Access(get=STAFF),
    "coordination.member_detail": Access(get=STAFF),
    "coordination.member_edit": Access(get=STAFF),
    "coordination.member_adjust": Access(post=STAFF),
    "coordination.member_feed_revoke": Access(post=STAFF),
    "coordination.member_deactivate": Access(post=STAFF),
    "coordination.member_reactivate": Access(post=STAFF),
    "coordination.member_import": Access(get=STAFF),
    "coordination.member_import_confirm": Access(post=STAFF),
    "coordination.member_import_rejected": Access(post=STAFF),
    "coordination.periods": Access(get=STAFF),
    "coordination.period_new": Access(get=STAFF),
    "coordination.period_edit": Access(get=STAFF),
    "coordination.experts": Access(get=STAFF),
    "coordination.expert_new": Access(get=STAFF),
    "coordination.expert_edit": Access(get=STAFF),
    "coordination.expert_deactivate": Access(post=STAFF),
    "coordination.expert_reactivate": Access(post=STAFF),
    "coordination.expert_feed_revoke": Access(post=STAFF),
    "coordination.roles_skills": Access(get=STAFF),
    "coordination.role_create": Access(post=STAFF),
    "coordination.role_update": Access(post=STAFF),
    "coordination.skill_create": Access(post=STAFF),
    "coordination.skill_delete": Access(post=STAFF),
    "coordination.users": Access(get=STAFF),
    "coordination.user_invite": Access(get=STAFF),
    "coordination.user_edit": Access(get=STAFF),
    "coordination.user_deactivate": Access(post=STAFF),
    "coordination.user_reactivate": Access(post=STAFF),
    "coordination.user_resend": Access(post=STAFF),
    "coordination.audit": Access(get=STAFF),
    # planning
    "planning.index": Access(get=STAFF),
    "planning.preview": Access(post=STAFF),
    "planning.commit": Access(post=STAFF),
    "planning.history": Access(get=STAFF),
    "planning.run_detail": Access(get=STAFF),
    "planning.bookings": Access(get=STAFF),
    "planning.move": Access(get=STAFF),
    "planning.cancel": Access(post=STAFF),
    "planning.timeline": Access(get=STAFF),
    "planning.timeline_move": Access(post=STAFF),
    # what-if scenarios (the world's scenario was never run: it has no exchange files to download)
    "scenarios.index": Access(get=STAFF),
    "scenarios.new": Access(get=STAFF),
    "scenarios.edit": Access(get=STAFF),
    "scenarios.show": Access(get=STAFF),
    "scenarios.state": Access(get=STAFF),
    "scenarios.compare": Access(get=STAFF),
    "scenarios.problem_file": Access(
        get=access(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND)
    ),
    "scenarios.plan_file": Access(get=access(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND)),
    "scenarios.run": Access(post=STAFF),
    "scenarios.duplicate": Access(post=STAFF),
    "scenarios.delete": Access(post=STAFF),
    "scenarios.adopt": Access(get=STAFF, post=STAFF),  # GET: what adopting would change
    # reports
    "reports.dashboard": Access(get=STAFF),
    "reports.member_statement": Access(get=MEMBERS),
    "reports.savings": Access(get=STAFF),
    "reports.utilisation_report": Access(get=STAFF),
    "reports.export": Access(get=STAFF),
    # a member's yearly statement: its own users and the staff
    "reports.statement": Access(get=MEMBER_A_OBJECT),
    "reports.statement_pdf_download": Access(get=MEMBER_A_OBJECT),
    "reports.statement_csv": Access(get=MEMBER_A_OBJECT),
    # a request's printable quote: the same readers as the statement
    "reports.quote_pdf_download": Access(get=MEMBER_A_OBJECT),
    # administration
    "admin.settings": Access(get=ADMIN),
    "admin.outbox": Access(get=ADMIN),
    "admin.outbox_resend": Access(post=ADMIN, args={"mail_id": "failed_mail"}),
    # personal data (RGPD): one's own; a person's, for the staff (member A's user in the world)
    "privacy.my_data": Access(get=LOGGED_IN),
    "privacy.my_export": Access(post=LOGGED_IN),
    # only member users erase themselves; the others leave through a coordinator
    "privacy.my_erasure": Access(post=MEMBERS),
    "privacy.user_data": Access(get=STAFF),
    "privacy.user_export": Access(post=STAFF),
    "privacy.user_erasure": Access(post=STAFF),
    # legal pages and the security contact: everyone, logged in or not
    "legal.notice": Access(get=PUBLIC),
    "legal.privacy": Access(get=PUBLIC),
    "legal.accessibility": Access(get=PUBLIC),
    "legal.security_txt": Access(get=PUBLIC),
    # API tokens on the profile page: one's own only (no token 1 in the world: 404 for everyone signed in)
    "auth.create_api_token": Access(post=LOGGED_IN),
    "auth.revoke_api_token": Access(
        post=access(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND), args={"token_id": 1}
    ),
    # webhooks: the coordinators' page (no endpoint 1 in the world)
    "webhooks.index": Access(get=STAFF),
    "webhooks.create": Access(post=STAFF),
    "webhooks.toggle": Access(
        post=access(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_FOUND, NOT_FOUND), args={"endpoint_id": 1}
    ),
    # the JSON API's document and its page are public
    "api.openapi_json": Access(get=PUBLIC),
    "api.docs": Access(get=PUBLIC),
    # the JSON API authenticates with tokens only: a browser session is refused (401) whoever it is.
    # tests/functional/test_api_authorisation.py holds the tokens' matrix (operation x role x scope).
    **{
        f"api.{name}": Access(
            get=API_REFUSED,
            post=API_REFUSED,
            args={"name": "droits", "item_id": 1, "run_id": 1, "commune_id": "epci_commune"},
        )
        for name in API_OPERATIONS
    },
}


# --- role granting -----------------------------------------------------------------------------------
# Who may act on which account and hand out which role: coordinators act on members' and experts'
# accounts only and grant only those two roles; admins act on every account (but their own) and alone
# grant or remove the coordinator and admin roles. `target` is a user of the world ("other_coordinator"
# is made by the test), or None for an invitation; `expected` is the status: a refusal changes nothing.


@dataclass(frozen=True)
class Grant:
    actor: str
    action: str  # "edit", "invite", "deactivate", "reactivate", "resend"
    target: str | None
    role: str | None = None
    expected: int = 303

    @property
    def label(self) -> str:
        return f"{self.actor} {self.action} {self.target or 'new'}{' as ' + self.role if self.role else ''}"


ROLE_GRANTING = [
    # a coordinator cannot make anyone staff…
    Grant("coordinator", "edit", "member_a", "coordinator", 400),
    Grant("coordinator", "edit", "member_a", "admin", 400),
    Grant("coordinator", "edit", "expert_x", "coordinator", 400),
    Grant("coordinator", "invite", None, "coordinator", 400),
    Grant("coordinator", "invite", None, "admin", 400),
    # …nor touch a staff account (edit, deactivate, re-invite an admin who has no password yet)…
    Grant("coordinator", "edit", "admin", "member", 403),
    Grant("coordinator", "edit", "other_coordinator", "member", 403),
    Grant("coordinator", "edit", "other_coordinator", "coordinator", 403),
    Grant("coordinator", "deactivate", "admin", None, 403),
    Grant("coordinator", "deactivate", "other_coordinator", None, 403),
    Grant("coordinator", "resend", "admin", None, 403),
    Grant("coordinator", "resend", "other_coordinator", None, 403),
    Grant("coordinator", "edit", "coordinator", "member", 403),
    # …but looks after members and experts
    Grant("coordinator", "edit", "member_a", "expert"),
    Grant("coordinator", "invite", None, "expert"),
    Grant("coordinator", "deactivate", "member_b"),
    Grant("coordinator", "resend", "invited_user"),
    # the admin grants and removes the staff roles
    Grant("admin", "edit", "member_a", "coordinator"),
    Grant("admin", "edit", "other_coordinator", "expert"),
    Grant("admin", "edit", "coordinator", "admin"),
    Grant("admin", "invite", None, "coordinator"),
    Grant("admin", "deactivate", "other_coordinator"),
    Grant("admin", "resend", "other_coordinator"),
    Grant("admin", "edit", "admin", "member", 403),  # never one's own account
]
