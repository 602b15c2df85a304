from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this computer")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired()],
                             description="At least 10 characters.",
                             render_kw={"autocomplete": "new-password"})


def organisation_field():
    return SelectField("Organisation", coerce=str, validate_choice=False,
                       description="The public body you work for, if it is listed.")


class RegisterForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    password = PasswordField("Password", validators=[DataRequired()], description="At least 10 characters.",
                             render_kw={"autocomplete": "new-password"})
    organisation_id = organisation_field()


class SelfRegisterForm(RegisterForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class ProfileForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    organisation_id = organisation_field()
    language = SelectField("Language", coerce=str, validate_choice=False,
                           description="Pages and e-mails in this language.")
    time_zone = SelectField("Time zone", coerce=str, validate_choice=False,
                            description="Every date and time is shown in this time zone.")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[DataRequired()],
                                 description="At least 10 characters.",
                                 render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=120)],
                       description="What the token is for, such as \"reporting script\".")
    password = PasswordField("Your password", validators=[DataRequired()],
                             description="A token acts as you, so confirm it is you.",
                             render_kw={"autocomplete": "current-password"})


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for buttons that change something."""
