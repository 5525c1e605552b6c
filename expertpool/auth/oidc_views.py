"""Sign-in through an OpenID provider (ProConnect): the redirect, the callback, join requests, unlinking."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select

from expertpool.auth import oidc, oidc_services, services
from expertpool.extensions import db
from expertpool.models import JoinRequest, JoinRequestStatus, Member, ProviderIdentity, User, UserRole
from expertpool.notifications import absolute  # the public address, as registered at the provider
from expertpool.permissions import can_decide_join_request, roles_required, staff_required
from expertpool.security import CONTENT_SECURITY_POLICY, is_safe_next
from expertpool.timeutil import now_utc

bp = Blueprint("oidc", __name__, url_prefix="/compte/oidc")

NEXT_KEY, PENDING_KEY, ID_TOKEN_KEY = "oidc_next", "oidc_pending", "oidc_id_token"


@bp.app_context_processor
def _provider_globals():
    """The login page's button and the profile's identities, without touching the password views."""

    def linked_identities(user):
        if not getattr(user, "is_authenticated", False):
            return []
        return list(
            db.session.scalars(
                select(ProviderIdentity).where(ProviderIdentity.user_id == user.id).order_by(ProviderIdentity.id)
            )
        )

    return {
        "oidc_enabled": oidc.configured(),
        "oidc_label": oidc.button_label,
        "linked_identities": linked_identities,
    }


@bp.after_app_request
def _allow_logout_at_provider(response):
    """The logout form's answer redirects to the provider, which the CSP's form-action must allow (browsers
    apply it to a form's redirects too)."""
    if oidc.configured() and response.mimetype == "text/html":
        parts = urlsplit(current_app.config["OIDC_ISSUER"])
        csp = response.headers.get("Content-Security-Policy") or CONTENT_SECURITY_POLICY
        response.headers["Content-Security-Policy"] = csp.replace(
            "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}", 1
        )
    return response


def _client_ip() -> str:
    """The same source as the password form's, for the shared throttle."""
    from expertpool.auth import views  # imported late: auth.views imports this module

    return views._client_ip()


def _count_failure(email: str, now) -> None:
    """A refused provider sign-in counts in the login throttle like a wrong password."""
    services.LoginThrottle().record_failure(email, _client_ip(), now)
    db.session.commit()


def _refused(message, status: int = 400):
    return render_template("auth/oidc_error.html", message=message, provider_down=False), status


def _provider_down():
    message = _(
        "Le service d'identification ne répond pas pour le moment. Réessayez plus tard, ou connectez-vous avec "
        "votre mot de passe."
    )
    return render_template("auth/oidc_error.html", message=message, provider_down=True), 503


@bp.route("/connexion")
def start():
    if not oidc.configured():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    target = request.args.get("next", "")
    session[NEXT_KEY] = target if is_safe_next(target) else ""
    try:
        return oidc.authorize_redirect(absolute(url_for("oidc.callback")))
    except oidc.ProviderUnavailable:
        current_app.logger.warning("OpenID provider unreachable at %s", current_app.config["OIDC_ISSUER"])
        return _provider_down()


@bp.route("/retour")
def callback():
    if not oidc.configured():
        abort(404)
    now = now_utc()
    try:
        claims = oidc.finish()
    except oidc.ProviderUnavailable:
        current_app.logger.warning("OpenID provider unreachable at %s", current_app.config["OIDC_ISSUER"])
        return _provider_down()
    except oidc.SignInRefused as refusal:
        current_app.logger.info("OpenID sign-in refused: %s", refusal.reason)
        _count_failure(refusal.email, now)
        return _refused(str(refusal.message))
    throttle = services.LoginThrottle()
    if throttle.is_blocked(claims.email, _client_ip(), now):
        minutes = int(throttle.window.total_seconds() // 60)
        return _refused(_("Trop de tentatives de connexion. Réessayez dans %(minutes)d minutes.", minutes=minutes), 429)
    outcome = oidc_services.sign_in(claims, now=now)
    if outcome.kind == oidc_services.JOIN_POSSIBLE:
        session[PENDING_KEY] = {
            "issuer": claims.issuer,
            "subject": claims.subject,
            "email": claims.email,
            "given_name": claims.given_name,
            "usual_name": claims.usual_name,
            "siret": claims.siret,
            "member_id": outcome.member.id,
        }
        return redirect(url_for("oidc.join"))
    if outcome.user is None or outcome.kind == oidc_services.INACTIVE:
        db.session.rollback()  # nothing written for a refused sign-in, but the throttle's count
        _count_failure(claims.email, now)
        if outcome.kind == oidc_services.UNVERIFIED_EMAIL:
            return _refused(
                _(
                    "Votre fournisseur d'identité n'a pas confirmé votre adresse e-mail : la connexion est refusée. "
                    "Connectez-vous avec votre mot de passe, ou faites confirmer votre adresse auprès de lui."
                )
            )
        if outcome.kind == oidc_services.INACTIVE:
            return _refused(_("Ce compte est désactivé. Contactez la coordination du pool."), 403)
        return render_template("auth/oidc_unknown.html", email=claims.email), 403
    return _sign_in(outcome, claims, throttle, now)


def _sign_in(outcome, claims, throttle, now):
    user = outcome.user
    target = session.get(NEXT_KEY, "")
    session.clear()  # a fresh session at login: nothing planted before survives
    throttle.clear(claims.email, _client_ip())
    user.last_login_at = now
    db.session.commit()
    login_user(user)
    session[ID_TOKEN_KEY] = claims.id_token  # for the logout at the provider
    if outcome.kind == oidc_services.LINKED:
        flash(_("Votre compte est désormais lié à cette identité : vous pourrez vous connecter ainsi."), "success")
    elif outcome.kind == oidc_services.INVITATION_ACCEPTED:
        flash(_("Bienvenue ! Votre invitation est acceptée et votre compte lié à cette identité."), "success")
    return redirect(target if is_safe_next(target) else url_for("main.home"))


def provider_logout_url() -> str | None:
    """Where auth.logout sends a person who signed in through the provider (None: nowhere)."""
    id_token = session.get(ID_TOKEN_KEY)
    if not id_token or not oidc.configured():
        return None
    return oidc.logout_url(id_token, absolute(url_for("auth.login")))


# --- joining a member ---------------------------------------------------------------------------


@bp.route("/adhesion", methods=["GET", "POST"])
def join():
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return redirect(url_for("auth.login"))
    member = db.session.get(Member, pending["member_id"])
    if member is None:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("auth.login"))
    claims = oidc.ProviderClaims(
        issuer=pending["issuer"],
        subject=pending["subject"],
        email=pending["email"],
        email_verified=True,
        given_name=pending["given_name"],
        usual_name=pending["usual_name"],
        siret=pending["siret"],
        id_token="",
    )
    already = oidc_services.pending_join_request(claims.issuer, claims.subject)
    if request.method == "POST" and already is None:
        oidc_services.request_to_join(claims, member, now=now_utc())
        db.session.commit()
        session.pop(PENDING_KEY, None)
        return render_template("auth/oidc_join_sent.html", member=member)
    has_users = any(user.active for user in member.users)
    return render_template(
        "auth/oidc_join.html", member=member, claims=claims, already=already is not None, has_users=has_users
    )


DECIDERS = (UserRole.MEMBER, UserRole.COORDINATOR, UserRole.ADMIN)


@bp.route("/demandes")
@roles_required(*DECIDERS)
def join_requests():
    requests_ = oidc_services.join_requests_for(current_user)
    return render_template("auth/join_requests.html", join_requests=requests_)


def _load_join_request(join_request_id: int) -> JoinRequest:
    join = db.session.get(JoinRequest, join_request_id)
    if join is None or not can_decide_join_request(current_user, join):
        abort(404)
    return join


@bp.route("/demandes/<int:join_request_id>/accepter", methods=["POST"])
@roles_required(*DECIDERS)
def approve_join(join_request_id: int):
    join = _load_join_request(join_request_id)
    if join.status != JoinRequestStatus.PENDING:
        flash(_("Cette demande a déjà été traitée."), "info")
        return redirect(url_for("oidc.join_requests"))
    try:
        oidc_services.approve_join(join, actor=current_user, now=now_utc())
    except oidc_services.JoinConflict:
        db.session.rollback()
        flash(_("Un compte existe déjà pour cette adresse ou cette identité : refusez la demande."), "danger")
        return redirect(url_for("oidc.join_requests"))
    db.session.commit()
    flash(_("Accès ouvert à %(name)s.", name=join.name), "success")
    return redirect(url_for("oidc.join_requests"))


@bp.route("/demandes/<int:join_request_id>/refuser", methods=["POST"])
@roles_required(*DECIDERS)
def refuse_join(join_request_id: int):
    join = _load_join_request(join_request_id)
    if join.status == JoinRequestStatus.PENDING:
        oidc_services.refuse_join(join, actor=current_user, now=now_utc())
        db.session.commit()
        flash(_("Demande refusée."), "info")
    else:
        flash(_("Cette demande a déjà été traitée."), "info")
    return redirect(url_for("oidc.join_requests"))


# --- linked identities --------------------------------------------------------------------------


@bp.route("/utilisateurs/<int:user_id>/identites")
@staff_required
def user_identities(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    identities = db.session.scalars(
        select(ProviderIdentity).where(ProviderIdentity.user_id == user.id).order_by(ProviderIdentity.id)
    )
    return render_template("auth/user_identities.html", user=user, identities=list(identities))


@bp.route("/identites/<int:identity_id>/delier", methods=["POST"])
@staff_required
def unlink(identity_id: int):
    identity = db.session.get(ProviderIdentity, identity_id) or abort(404)
    user_id = identity.user_id
    oidc_services.unlink_identity(identity, actor=current_user, now=now_utc())
    db.session.commit()
    flash(_("L'identité n'est plus liée à ce compte."), "success")
    return redirect(url_for("oidc.user_identities", user_id=user_id))
