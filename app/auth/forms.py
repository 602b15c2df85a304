from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this computer"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()],
                             description=_l("At least 10 characters."),
                             render_kw={"autocomplete": "new-password"})


def organisation_field():
    return SelectField(_l("Organisation"), coerce=str, validate_choice=False,
                       description=_l("The public body you work for, if it is listed."))


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Password"), validators=[DataRequired()], description=_l("At least 10 characters."),
                             render_kw={"autocomplete": "new-password"})
    organisation_id = organisation_field()


class SelfRegisterForm(RegisterForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    organisation_id = organisation_field()
    job_title = StringField(_l("Job title"), validators=[Length(max=200)],
                            render_kw={"autocomplete": "organization-title"},
                            description=_l("For example \"Deputy Mayor\"; offered when you sign for your "
                                           "organisation."))
    language = SelectField(_l("Language"), coerce=str, validate_choice=False,
                           description=_l("Pages and e-mails in this language."))
    time_zone = SelectField(_l("Time zone"), coerce=str, validate_choice=False,
                            description=_l("Every date and time is shown in this time zone."))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired()],
                                 description=_l("At least 10 characters."),
                                 render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("What the token is for, such as \"reporting script\"."))
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             description=_l("A token acts as you, so confirm it is you."),
                             render_kw={"autocomplete": "current-password"})


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""
