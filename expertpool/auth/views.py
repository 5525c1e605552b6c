"""Login, logout, invitations, password reset and the profile page."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from expertpool import accounts, api_tokens
from expertpool.auth import forms, oidc_views, services
from expertpool.extensions import db
from expertpool.models import ApiToken
from expertpool.security import is_safe_next
from expertpool.timeutil import now_utc

bp = Blueprint("auth", __name__, url_prefix="/compte")


def _client_ip() -> str:
    # The client's address: ProxyFix (EXPERTPOOL_TRUSTED_PROXIES) has put it here from X-Forwarded-For.
    return request.remote_addr or "unknown"


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = forms.LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 400 if request.method == "POST" else 200
    now = now_utc()
    throttle = services.LoginThrottle()
    email, ip = form.email.data.strip().lower(), _client_ip()
    if throttle.is_blocked(email, ip, now):
        minutes = int(throttle.window.total_seconds() // 60)
        form.password.errors = [
            _("Trop de tentatives de connexion. Réessayez dans %(minutes)d minutes.", minutes=minutes)
        ]
        return render_template("auth/login.html", form=form), 429
    user = accounts.find_user_by_email(email)
    if not services.verify_password(user, form.password.data) or not user.active:
        if throttle.record_failure(email, ip, now) and user is not None and user.active:
            services.send_failed_logins_warning(user, throttle.failures_to_notify, throttle.window)
        db.session.commit()
        # One message whether the email is unknown or the password wrong: accounts cannot be probed.
        form.password.errors = [_("Adresse e-mail ou mot de passe incorrect.")]
        return render_template("auth/login.html", form=form), 400
    session.clear()  # a fresh session at login: nothing planted before survives
    throttle.clear(email, ip)
    user.last_login_at = now
    db.session.commit()
    login_user(user)
    target = form.next.data
    return redirect(target if is_safe_next(target) else url_for("main.home"))


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    user.rotate_session_token()  # ends this user's other sessions too
    db.session.commit()
    provider_logout = oidc_views.provider_logout_url()  # signed in through a provider: leave it too
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté(e)."), "info")
    return redirect(provider_logout or url_for("auth.login"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password():
    form = forms.PasswordResetRequestForm()
    if form.validate_on_submit():
        user, now = accounts.find_user_by_email(form.email.data), now_utc()
        if user is not None and user.active and services.reset_mail_allowed(user, now):
            services.send_password_reset(user, now=now)
            db.session.commit()
        # Same answer for known and unknown addresses.
        flash(_("Si un compte existe pour cette adresse, un lien de réinitialisation vient d'y être envoyé."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


def _set_password_page(token: str, purpose: str, template: str, action: str):
    max_age = current_app.config["INVITATION_MAX_AGE" if purpose == "invite" else "RESET_MAX_AGE"]
    try:
        user = accounts.user_from_link_token(token, purpose, max_age)
    except accounts.LinkError as error:
        message = (
            _("Ce lien a expiré. Demandez-en un nouveau.")
            if error.expired
            else _("Ce lien n'est pas valide ou a déjà servi.")
        )
        return render_template("auth/link_invalid.html", message=message), 400
    form = forms.SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data, actor=user, now=now_utc(), action=action)
        db.session.commit()
        flash(_("Votre mot de passe est enregistré. Vous pouvez vous connecter."), "success")
        return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=user), 400 if form.errors else 200


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_page(token, "invite", "auth/invitation.html", "user.accept_invitation")


@bp.route("/reinitialiser/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_page(token, "reset", "auth/reset.html", "user.reset_password")


@bp.route("/profil", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    profile_form = forms.ProfileForm(obj=user, prefix="profile")
    password_form = forms.ChangePasswordForm(prefix="password")
    status = 200
    if request.method == "POST":
        if "profile-name" in request.form:
            if profile_form.validate_on_submit():
                services.update_profile(
                    user, name=profile_form.name.data.strip(), locale=profile_form.locale.data, now=now_utc()
                )
                db.session.commit()
                session["locale"] = user.locale  # the saved choice also wins over the menu's for this session
                flash(_("Profil enregistré."), "success")
                return redirect(url_for("auth.profile"))
            status = 400
        elif password_form.validate_on_submit():
            if not services.verify_password(user, password_form.current.data):
                password_form.current.errors = [_("Mot de passe actuel incorrect.")]
                status = 400
            else:
                services.set_password(
                    user, password_form.password.data, actor=user, now=now_utc(), action="user.change_password"
                )
                db.session.commit()
                login_user(user)  # this session continues with the new token; the others end
                flash(_("Mot de passe modifié. Vos autres sessions sont fermées."), "success")
                return redirect(url_for("auth.profile"))
        else:
            status = 400
    return _profile_page(profile_form, password_form, status=status)


def _profile_page(profile_form=None, password_form=None, *, token_form=None, new_secret=None, status=200):
    user = current_user._get_current_object()
    return render_template(
        "auth/profile.html",
        profile_form=profile_form or forms.ProfileForm(obj=user, prefix="profile"),
        password_form=password_form or forms.ChangePasswordForm(prefix="password"),
        token_form=token_form or forms.ApiTokenForm(formdata=None, prefix="token"),
        revoke_form=forms.RevokeApiTokenForm(),
        api_tokens=api_tokens.tokens_of(user),
        new_secret=new_secret,
        now=now_utc(),
    ), status


@bp.route("/profil/jetons", methods=["POST"])
@login_required
def create_api_token():
    """Create a token: the page shows its secret this once (never stored, never put in the session)."""
    user = current_user._get_current_object()
    form = forms.ApiTokenForm(prefix="token")
    if not form.validate_on_submit():
        return _profile_page(token_form=form, status=400)
    _token, secret = api_tokens.create(
        user, name=form.name.data, scopes=form.scopes.data, days=form.days.data, actor=user, now=now_utc()
    )
    db.session.commit()
    return _profile_page(new_secret=secret, status=201)


@bp.route("/profil/jetons/<int:token_id>/revoquer", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    user = current_user._get_current_object()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    if forms.RevokeApiTokenForm().validate_on_submit():
        api_tokens.revoke(token, actor=user, now=now_utc())
        db.session.commit()
        flash(_("Jeton révoqué : il ne fonctionne plus."), "success")
    return redirect(url_for("auth.profile") + "#jetons", code=303)
