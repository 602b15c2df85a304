from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.roadmaps.models import ACTION_STATUSES

WHEN_HINT = "A date such as 2027-03-15, or a quarter such as 2027-Q1. Leave empty when not decided."


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (easier than a multiple select, with a keyboard or a screen reader)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    description = TextAreaField("Description (Markdown)", validators=[Optional()],
                                description="Optional: what will be done, and how success is measured.")
    owner_organisation_ids = CheckboxesField("Owner organisations", coerce=str, validate_choice=False,
                                             description="The organisations that commit to this action.")
    lead_user_id = SelectField("Lead person", validate_choice=False)
    start_date = StringField("Start", validators=[Length(max=20)], description=WHEN_HINT)
    due_date = StringField("Due", validators=[Length(max=20)], description=WHEN_HINT)
    status = SelectField("Status", choices=list(ACTION_STATUSES.items()), default="planned", validate_choice=False)
    section_id = SelectField("Section of the roadmap", validate_choice=False)
    revision = HiddenField()


class FollowUpForm(FlaskForm):
    entry_date = StringField("Date", validators=[Length(max=20)], render_kw={"type": "date"},
                             description="The day the progress is about. Empty means today.")
    status = SelectField("New status", choices=[("", "No change")] + list(ACTION_STATUSES.items()),
                         validate_choice=False)
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)],
                         description="What happened: a decision, a delay, a result.")
