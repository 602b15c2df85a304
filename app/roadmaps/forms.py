from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.i18n import lazy_gettext as _l
from app.roadmaps.models import ACTION_STATUSES

WHEN_HINT = _l("A date such as 2027-03-15, or a quarter such as 2027-Q1. Leave empty when not decided.")


def _picker(legend) -> dict:
    """What static/js/timeframe_picker.js needs to offer a calendar and a quarter choice beside a timeframe
    field, its words translated here (the field itself stays the text the server validates)."""
    return {"data-timeframe": "", "data-pick-legend": legend, "data-day-label": _l("Day"),
            "data-year-label": _l("Year"), "data-quarter-label": _l("Quarter"), "data-none-label": _l("(none)"),
            # TRANSLATORS: the four quarters' short names, comma-separated, as the quarter picker lists them.
            "data-quarter-names": _l("Q1,Q2,Q3,Q4")}


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (easier than a multiple select, with a keyboard or a screen reader)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description (Markdown)"), validators=[Optional()],
                                description=_l("Optional: what will be done, and how success is measured."))
    owner_organisation_ids = CheckboxesField(_l("Owner organisations"), coerce=str, validate_choice=False,
                                             description=_l("The organisations that commit to this action."))
    lead_user_id = SelectField(_l("Lead person"), validate_choice=False)
    start_date = StringField(_l("Start"), validators=[Length(max=20)], description=WHEN_HINT,
                             render_kw=_picker(_l("Or pick the start on a calendar or as a quarter")))
    due_date = StringField(_l("Due"), validators=[Length(max=20)], description=WHEN_HINT,
                           render_kw=_picker(_l("Or pick the due date on a calendar or as a quarter")))
    status = SelectField(_l("Status"), choices=list(ACTION_STATUSES.items()), default="planned", validate_choice=False)
    section_id = SelectField(_l("Section of the roadmap"), validate_choice=False)
    revision = HiddenField()


class FollowUpForm(FlaskForm):
    entry_date = StringField(_l("Date"), validators=[Length(max=20)], render_kw={"type": "date"},
                             description=_l("The day the progress is about. Empty means today."))
    status = SelectField(_l("New status"), choices=[("", _l("No change"))] + list(ACTION_STATUSES.items()),
                         validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)],
                         description=_l("What happened: a decision, a delay, a result."))
