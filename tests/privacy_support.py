"""A small pool where two people leave traces everywhere (rows of their own, texts others quote, audit
snapshots), and two others who stay: for the export, erasure and retention tests."""

from dataclasses import dataclass
from datetime import date, timedelta

from factories import FIXED_NOW

from expertpool import audit
from expertpool.models import (
    BookingStatus,
    JoinRequest,
    JoinRequestStatus,
    LoginFailure,
    Notification,
    OutboxMail,
    ProviderIdentity,
    QuotaAdjustment,
    RequestMessage,
    RequestStatus,
    UserRole,
)

# What must disappear when Gwenaëlle (a member user) or Soizic (an expert) is erased.
GWEN_NAME, GWEN_EMAIL = "Gwenaëlle Le Bihan-Trésor", "gwenaelle.lebihan@mairie-plouzane.fr"
GWEN_TEXTS = (
    "Notre serveur de messagerie tombe chaque lundi matin",
    "Merci pour l'intervention rapide de mardi",
    "Intervention impeccable, très pédagogue",
)
SOIZIC_NAME, SOIZIC_EMAIL = "Soizic Morvan", "soizic.morvan@pool-finistere.fr"
SOIZIC_TEXTS = ("Rapport : migration Exchange vers Zimbra terminée", "Congé parental de Soizic jusqu'en mars")
PROVIDER = "https://proconnect.example"
# What stays: the other people's.
YANN_NAME, YANN_EMAIL = "Yannick Kervella", "yannick.kervella@mairie-plouzane.fr"
YANN_TEXTS = ("Notre pare-feu bloque la télétransmission", "Pouvez-vous venir jeudi ?")
FORMULA_TEXT = "=SOMME(A1:A3) est le total annoncé"


@dataclass
class People:
    member: object
    gwen: object
    yann: object
    soizic: object
    soizic_expert: object
    other_expert: object
    coordinator: object
    admin: object
    past_period: object
    requests: dict


def build_people(factory) -> People:
    session = factory.session
    factory.settings(unit_price_cents=18000)
    member = factory.member("Plouzané", insee_code="29212")
    past_period = factory.period(2026, members=(member,), half_days=4)
    factory.period(2027, members=(member,), half_days=20)
    gwen = factory.user(UserRole.MEMBER, member=member, name=GWEN_NAME, email=GWEN_EMAIL, last_login_at=FIXED_NOW)
    yann = factory.user(UserRole.MEMBER, member=member, name=YANN_NAME, email=YANN_EMAIL)
    soizic = factory.user(UserRole.EXPERT, name=SOIZIC_NAME, email=SOIZIC_EMAIL)
    soizic_expert = factory.expert(SOIZIC_NAME, user=soizic, feed_token="feed-soizic-0123456789")
    other_user, other_expert = factory.expert_user("Erwan Guivarc'h")
    coordinator = factory.user(UserRole.COORDINATOR, name="Coordinatrice Anne", email="anne@pool-finistere.fr")
    admin = factory.user(UserRole.ADMIN, name="Admin Paul", email="paul@pool-finistere.fr")

    # Gwenaëlle's request of last year: delivered by Soizic (5 half-days, one beyond the right of 4), rated.
    done = factory.request(
        member,
        title="Messagerie en panne",
        description=GWEN_TEXTS[0],
        status=RequestStatus.RATED,
        half_days=5,
        approved_half_days=5,
        over_quota_half_days=1,
        earliest=date(2026, 3, 2),
        deadline=date(2026, 6, 30),
        created_by=gwen,
        decided_by_id=coordinator.id,
        approval_note="Accord, priorité messagerie",
        report=SOIZIC_TEXTS[0],
        report_by_id=soizic.id,
        rating=5,
        rating_comment=GWEN_TEXTS[2],
        completed_at=FIXED_NOW - timedelta(days=200),
        rated_at=FIXED_NOW - timedelta(days=199),
    )
    for day in (date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)):
        factory.booking(done, soizic_expert, day, "am", status=BookingStatus.DELIVERED)
    factory.booking(done, soizic_expert, date(2026, 3, 5), "pm", status=BookingStatus.DELIVERED)
    factory.booking(
        done, soizic_expert, date(2026, 3, 6), "am", status=BookingStatus.DELIVERED, note="Clés au secrétariat"
    )
    # Yannick's request, served by the other expert.
    yann_request = factory.request(member, title="Pare-feu", description=YANN_TEXTS[0], created_by=yann)
    factory.booking(yann_request, other_expert, date(2026, 4, 7), "am", status=BookingStatus.DELIVERED)

    session.add_all(
        [
            RequestMessage(request_id=done.id, author_id=gwen.id, body=GWEN_TEXTS[1], created_at=FIXED_NOW),
            RequestMessage(request_id=done.id, author_id=gwen.id, body=FORMULA_TEXT, created_at=FIXED_NOW),
            RequestMessage(request_id=yann_request.id, author_id=yann.id, body=YANN_TEXTS[1], created_at=FIXED_NOW),
            # The coordinator quotes Gwenaëlle by name: the quote goes, the message stays.
            RequestMessage(
                request_id=done.id,
                author_id=coordinator.id,
                body=f"Bonjour {GWEN_NAME}, c'est noté.",
                created_at=FIXED_NOW,
            ),
            Notification(user_id=gwen.id, kind="request.approved", message="Votre demande est acceptée."),
            Notification(user_id=yann.id, kind="request.approved", message="Votre demande est acceptée."),
            Notification(
                user_id=coordinator.id, kind="request.submitted", message=f"{GWEN_NAME} a envoyé une demande."
            ),
            OutboxMail(recipient=GWEN_EMAIL, subject="Invitation", body=f"Bonjour {GWEN_NAME}"),
            OutboxMail(recipient=YANN_EMAIL, subject="Invitation", body=f"Bonjour {YANN_NAME}"),
            LoginFailure(email=GWEN_EMAIL, ip="192.0.2.1", at=FIXED_NOW),
            # Signed in through ProConnect, after asking to join: both identities and the request are hers.
            ProviderIdentity(issuer=PROVIDER, subject="sub-gwen", user_id=gwen.id, email=GWEN_EMAIL),
            JoinRequest(
                member_id=member.id,
                issuer=PROVIDER,
                subject="sub-gwen",
                email=GWEN_EMAIL,
                name=GWEN_NAME,
                siret="21290212800017",
                status=JoinRequestStatus.APPROVED,
                user_id=gwen.id,
            ),
            ProviderIdentity(issuer=PROVIDER, subject="sub-yann", user_id=yann.id, email=YANN_EMAIL),
            # The staff's notification of her join request names her in its parameters.
            Notification(
                user_id=coordinator.id,
                kind="join_request.staff",
                params={"name": GWEN_NAME, "email": GWEN_EMAIL, "member": "Plouzané"},
            ),
            LoginFailure(email=YANN_EMAIL, ip="192.0.2.2", at=FIXED_NOW),
        ]
    )
    factory.unavailability(soizic_expert, date(2027, 2, 1), date(2027, 2, 5), reason=SOIZIC_TEXTS[1])
    factory.unavailability(other_expert, date(2027, 2, 1), reason="Formation")
    quota = past_period.quotas[0]
    session.add(
        QuotaAdjustment(quota_id=quota.id, delta_half_days=1, reason="Geste commercial", created_by_id=admin.id)
    )
    session.flush()
    # The audit trail quotes them in its snapshots.
    audit.record(admin, "user.create", gwen, now=FIXED_NOW, after=audit.snapshot(gwen, "email", "name", "role"))
    audit.record(admin, "user.create", soizic, now=FIXED_NOW, after=audit.snapshot(soizic, "email", "name"))
    audit.record(
        gwen,
        "request.submit",
        done,
        now=FIXED_NOW,
        after={"title": done.title, "description": done.description},
        request_id=done.id,
    )
    audit.record(yann, "request.submit", yann_request, now=FIXED_NOW, after={"description": YANN_TEXTS[0]})
    session.flush()
    return People(
        member=member,
        gwen=gwen,
        yann=yann,
        soizic=soizic,
        soizic_expert=soizic_expert,
        other_expert=other_expert,
        coordinator=coordinator,
        admin=admin,
        past_period=past_period,
        requests={"done": done, "yann": yann_request},
    )
