"""Sign-in, sign-out, password reset, profile and personal API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services
from app.auth.forms import (
    ChangePasswordForm,
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SelfRegisterForm,
    TokenForm,
)
from app.errors import AccordError
from app.extensions import client_address, db, limiter
from app.forms import apply_errors, safe_next, status_for
from app.i18n import _
from app.organisations.services import list_organisations

bp = Blueprint("auth", __name__)


def organisation_choices():
    return [("", _("Not listed / none"))] + [(str(o.id), o.name) for o in list_organisations()]


def sign_in(user, remember: bool = False) -> None:
    """A fresh session at every sign-in: nothing from before it survives."""
    session.clear()
    services.start_session(user, remember=remember)
    login_user(user, remember=remember)


def _sign_in_account() -> str:
    """The account a sign-in names (its e-mail as typed, normalised): failures count against it from
    every address."""
    return "login:" + (request.form.get("email") or "").strip().lower()[:320]


def _sign_in_failed(response) -> bool:
    return response.status_code != 302  # a sign-in that worked redirects


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"], key_func=_sign_in_account,
               deduct_when=_sign_in_failed, scope="login-account")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ADDRESS"], methods=["POST"], key_func=client_address,
               deduct_when=_sign_in_failed, scope="login-address")
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("The e-mail address or the password is wrong."))
        else:
            sign_in(user, remember=form.remember.data)
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    return render_template("auth/login.html", form=form,
                           allow_register=current_app.config["ALLOW_SELF_REGISTRATION"]), status_for(form)


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if current_user.is_authenticated and form.validate_on_submit():
        services.end_session(current_user.current_session_key)
        logout_user()
        session.clear()
        db.session.commit()
        flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if not current_app.config["ALLOW_SELF_REGISTRATION"]:
        abort(404)
    form = SelfRegisterForm()
    form.organisation_id.choices = organisation_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.name.data, form.password.data,
                                        organisation_id=form.organisation_id.data or None)
            sign_in(user)
            db.session.commit()
            return redirect(url_for("main.home"))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("auth/register.html", form=form), status_for(form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), status_for(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], methods=["POST"])
def reset_password(token):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
            db.session.commit()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("auth/reset.html", form=form), status_for(form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=None if request.method == "POST" else current_user)
    form.organisation_id.choices = organisation_choices()
    language_choices(form)
    if request.method == "GET":
        form.organisation_id.data = str(current_user.organisation_id or "")
        form.language.data = current_user.language or ""
        form.time_zone.data = current_user.time_zone or ""
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, name=form.name.data,
                                    organisation_id=form.organisation_id.data or None,
                                    job_title=form.job_title.data or "")
            services.set_language(current_user, form.language.data or "", form.time_zone.data or "")
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.profile"))
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("auth/profile.html", form=form, password_form=password_form), status_for(form)


def language_choices(form) -> None:
    """The profile's language and time zone lists: each language named in itself, time zones by their IANA name."""
    import pytz
    from flask import current_app

    from app.i18n import LANGUAGES, gettext

    form.language.choices = [("", gettext("As my browser asks"))] + list(LANGUAGES.items())
    default_zone = current_app.config["DEFAULT_TIME_ZONE"]
    form.time_zone.choices = ([("", gettext("This installation's (%(zone)s)", zone=default_zone))]
                              + [(zone, zone.replace("_", " ")) for zone in pytz.common_timezones])


@bp.post("/profile/password")
@login_required
def change_password():
    form = ProfileForm(formdata=None, obj=current_user)
    form.organisation_id.choices = organisation_choices()
    language_choices(form)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            services.change_password(current_user, password_form.current_password.data,
                                     password_form.new_password.data)
            db.session.commit()
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.profile"))
        except AccordError as exc:
            apply_errors(password_form, exc)
    return render_template("auth/profile.html", form=form, password_form=password_form), status_for(password_form)


@bp.route("/profile/tokens", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_TOKENS"], methods=["POST"])
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _token, new_token = services.issue_api_token(current_user, form.password.data, form.name.data)
            db.session.commit()
            form = TokenForm(formdata=None)
        except AccordError as exc:
            apply_errors(form, exc)
    return render_template("auth/tokens.html", form=form, new_token=new_token, revoke_form=EmptyForm(),
                           tokens=services.list_api_tokens(current_user)), status_for(form)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    if EmptyForm().validate_on_submit():
        services.revoke_api_token(current_user, token_id)
        db.session.commit()
        flash(_("The token is revoked: it no longer works."), "success")
    return redirect(url_for("auth.tokens"))
