from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.groups.models import ROLES

ROLE_CHOICES = [(role, role.capitalize()) for role in ROLES]


class GroupForm(FlaskForm):
    name = StringField("Name of the working group", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("What the group works on", validators=[Length(max=5000)],
                                description="Optional. A sentence or two for new members.")


class InviteForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="member", validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=False)
