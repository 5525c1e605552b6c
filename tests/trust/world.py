"""A small pool with one of everything, for the trust tests: two communes, two experts, staff, and the
objects each route may name (requests in every state, bookings, leave, notifications, tokens…).

`build_world(factory)` returns a `World`: its `users` are the roles the authorisation matrix speaks of,
and `ids` maps an object name to its id (or token) so that a route's URL can be filled in.
Objects named in `ids` belong to member A and expert X; member B and expert Y own nothing of it, which
is what lets the matrix say "404 for the others".
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from factories import FIXED_NOW

from expertpool.models import (
    AllocationRun,
    BookingStatus,
    JobRun,
    JoinRequest,
    MailStatus,
    Notification,
    OutboxMail,
    ProviderIdentity,
    QuotaAdjustment,
    RequestMessage,
    RequestStatus,
    RunMode,
    Scenario,
    UserRole,
)

ROLES = ("anonymous", "member_a", "member_b", "expert_x", "expert_y", "coordinator", "admin")
MONDAY = date(2027, 1, 18)  # the week after FIXED_NOW: no public holiday


@dataclass(repr=False)  # users may be detached: no repr that loads them
class World:
    users: dict = field(default_factory=dict)  # role name -> User (anonymous absent)
    ids: dict = field(default_factory=dict)  # object name -> id or token

    def user_id(self, role: str) -> int | None:
        user = self.users.get(role)
        return None if user is None else user.id


def _last_working_day() -> date:
    from expertpool.calendars import public_holidays
    from expertpool.timeutil import today_paris

    day = today_paris() - timedelta(days=7)
    off = public_holidays("metropole", day - timedelta(days=14), day)
    while day.weekday() >= 5 or day in off:
        day -= timedelta(days=1)
    return day


def build_world(factory) -> World:
    session = factory.session
    world = World()
    factory.settings(security_contact="mailto:securite@example.org")
    member_a = factory.member("Commune A", insee_code="29001")
    member_b = factory.member("Commune B", insee_code="29002")
    period = factory.period(2027, members=(member_a, member_b), half_days=20)
    world.users["member_a"] = factory.user(
        UserRole.MEMBER, member=member_a, email="maire.a@example.org", name="Maire A"
    )
    world.users["member_b"] = factory.user(
        UserRole.MEMBER, member=member_b, email="maire.b@example.org", name="Maire B"
    )
    user_x, expert_x = factory.expert_user("Expert X", roles=("dba",), skills=("PostgreSQL",))
    user_y, expert_y = factory.expert_user("Expert Y", roles=("dba",))
    expert_x.feed_token = "feed-token-expert-x-0123456789"
    member_a.feed_token = "feed-token-member-a-0123456789"
    world.users["expert_x"], world.users["expert_y"] = user_x, user_y
    world.users["coordinator"] = factory.user(UserRole.COORDINATOR, email="coord@example.org", name="Coordinatrice")
    world.users["admin"] = factory.user(UserRole.ADMIN, email="admin@example.org", name="Admin")

    submitted = factory.request(
        member_a, title="Audit de sécurité", status=RequestStatus.SUBMITTED, created_by=world.users["member_a"]
    )
    # Sent with a billable part: its user accepted the quote (its printable quote exists).
    submitted.quote_half_days, submitted.quote_unit_price_cents, submitted.quote_accepted_at = 2, 18000, FIXED_NOW
    draft = factory.request(
        member_a, title="Brouillon", status=RequestStatus.DRAFT, created_by=world.users["member_a"], submitted_at=None
    )
    approved = factory.request(
        member_a,
        title="Sauvegardes",
        status=RequestStatus.APPROVED,
        approved_half_days=4,
        decided_at=FIXED_NOW,
        half_days=4,
    )
    scheduled = factory.request(
        member_a,
        title="Migration",
        status=RequestStatus.SCHEDULED,
        approved_half_days=2,
        half_days=2,
        decided_at=FIXED_NOW,
    )
    completed = factory.request(
        member_a,
        title="Terminée",
        status=RequestStatus.COMPLETED,
        approved_half_days=1,
        half_days=1,
        decided_at=FIXED_NOW,
        earliest=date(2027, 1, 4),
        completed_at=FIXED_NOW,
    )
    other = factory.request(member_b, title="Demande de B", status=RequestStatus.SUBMITTED)
    booking = factory.booking(scheduled, expert_x, MONDAY, "am")
    factory.booking(scheduled, expert_x, MONDAY, "pm")
    past = factory.booking(completed, expert_x, date(2027, 1, 5), "am", status=BookingStatus.DELIVERED)
    factory.booking(approved, expert_x, MONDAY + timedelta(days=1), "am")
    unavailability = factory.unavailability(expert_x, MONDAY + timedelta(days=14), reason="Congés")
    # A half-day of last week still to be recorded (the agenda compares with the real today).
    due_day = _last_working_day()
    ongoing = factory.request(
        member_a,
        title="En cours",
        status=RequestStatus.IN_PROGRESS,
        approved_half_days=2,
        half_days=2,
        decided_at=FIXED_NOW,
        earliest=due_day - timedelta(days=3),
        deadline=due_day + timedelta(days=30),
    )
    due = factory.booking(ongoing, expert_x, due_day, "am")
    factory.booking(
        ongoing,
        expert_x,
        due_day - timedelta(days=1) if due_day.weekday() else due_day,
        "pm",
        status=BookingStatus.DELIVERED,
    )
    # Inactive objects, so that the pages show their "reactivate" buttons.
    closed = factory.member("Commune fermée", insee_code="29003", active=False)
    # An EPCI holding an envelope (no user of the world belongs to it), the closed commune its member.
    epci = factory.member("CC du Léon", kind="epci", holds_envelope=True)
    closed.parent_id = epci.id
    factory.expert("Expert parti", roles=("dba",), active=False)
    factory.user(UserRole.MEMBER, member=member_b, email="ancien@example.org", name="Ancien", active=False)
    message = RequestMessage(request_id=submitted.id, author_id=world.users["member_a"].id, body="Bonjour")
    notification = Notification(
        user_id=world.users["member_a"].id, kind="request", message="Une nouvelle", link="/", created_at=FIXED_NOW
    )
    run = AllocationRun(
        mode=RunMode.PREVIEW,
        status="done",
        horizon_start=MONDAY,
        horizon_end=MONDAY + timedelta(weeks=12),
        started_at=FIXED_NOW,
    )
    job = JobRun(run_key="allocate:2027-01-11", job="allocate", started_at=FIXED_NOW)
    quota = next(q for q in period.quotas if q.member_id == member_a.id)
    adjustment = QuotaAdjustment(quota_id=quota.id, delta_half_days=2, reason="Geste")
    failed_mail = OutboxMail(
        recipient="maire@example.org",
        kind="invitation",
        subject="Votre accès",
        body="Bonjour",
        created_at=FIXED_NOW,
        status=MailStatus.FAILED,
        attempts=6,
        error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    # A price change: something to adopt, so the adoption page shows its form (fuzzed like any other).
    scenario = Scenario(
        name="Prix à 190 €", base="backlog", changes={"unit_price_cents": 19000}, status="draft", progress=0, result={}
    )
    session.add_all([message, notification, run, job, adjustment, failed_mail, scenario])
    session.flush()
    booking.allocation_run_id = run.id
    session.flush()

    from expertpool.accounts import make_link_token

    invited = factory.user(UserRole.MEMBER, member=member_a, email="invite@example.org", name="Invité")
    world.ids.update(
        {
            "member": member_a.id,
            "member_b": member_b.id,
            "epci": epci.id,
            "epci_commune": closed.id,
            "expert": expert_x.id,
            "expert_y": expert_y.id,
            "user": world.users["member_a"].id,
            "expert_user": user_x.id,
            "request": submitted.id,
            "draft": draft.id,
            "approved": approved.id,
            "scheduled": scheduled.id,
            "completed": completed.id,
            "request_b": other.id,
            "booking": booking.id,
            "past_booking": past.id,
            "unavailability": unavailability.id,
            "ongoing": ongoing.id,
            "due_booking": due.id,
            "message": message.id,
            "notification": notification.id,
            "failed_mail": failed_mail.id,
            "run": run.id,
            "scenario": scenario.id,
            "job": job.id,
            "period": period.id,
            "quota": quota.id,
            "adjustment": adjustment.id,
            "role": expert_x.roles[0].id,
            "skill": expert_x.skills[0].id,
            "expert_feed_token": expert_x.feed_token,
            "member_feed_token": member_a.feed_token,
            "year": 2027,
        }
    )
    # Sign-in through an OpenID provider: member A's user has a linked identity, and an agent asks to join A.
    identity = ProviderIdentity(
        issuer="https://fournisseur.example",
        subject="maire-a",
        user_id=world.users["member_a"].id,
        email="maire.a@example.org",
    )
    join_request = JoinRequest(
        member_id=member_a.id,
        issuer="https://fournisseur.example",
        subject="agent-a",
        email="agent.a@example.org",
        name="Agent A",
        siret="21290001300013",
    )
    session.add_all([identity, join_request])
    session.flush()
    world.ids["identity"], world.ids["join_request"] = identity.id, join_request.id
    # Signed with the app's SECRET_KEY (the tests' app context is active while the world is built).
    world.ids["invite_token"] = make_link_token(invited, "invite")
    world.ids["reset_token"] = make_link_token(world.users["member_b"], "reset")
    world.ids["invited_user"] = invited.id
    # Plain values, usable after the session that loaded the users is gone.
    world.ids["user_ids"] = {role: user.id for role, user in world.users.items()}
    world.ids["session_tokens"] = {role: user.session_token for role, user in world.users.items()}
    return world
