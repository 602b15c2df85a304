from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.i18n import lazy_gettext as _l

# TRANSLATORS: the roles of a working group's members, as choices in a list.
ROLE_CHOICES = [("observer", _l("Observer")), ("member", _l("Member")), ("editor", _l("Editor")),
                ("coordinator", _l("Coordinator"))]


class GroupForm(FlaskForm):
    name = StringField(_l("Name of the working group"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What the group works on"), validators=[Length(max=5000)],
                                description=_l("Optional. A sentence or two for new members."))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="member", validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validate_choice=False)


class BatchInviteForm(FlaskForm):
    addresses = TextAreaField(
        _l("Addresses, one a line"), validators=[DataRequired(), Length(max=40000)],
        description=_l("Write “anna@city.example” or “Anna Puig <anna@city.example>”, and after a comma a role "
                       "for that address if it differs (“anna@city.example, editor”). Several addresses may share "
                       "a line, separated by commas or semicolons."))
    role = SelectField(_l("Role for addresses without one"), choices=ROLE_CHOICES, default="member",
                       validate_choice=False)
    note = TextAreaField(_l("A personal note (optional)"), validators=[Length(max=2000)],
                         description=_l("At most 2,000 characters. The e-mail carries it together with the "
                                        "group's description and the texts it is working on now."))
