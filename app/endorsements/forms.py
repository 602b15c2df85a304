from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.i18n import lazy_gettext as _l


class EndorseForm(FlaskForm):
    organisation_id = SelectField(_l("On behalf of"), validate_choice=False)
    signatory_name = StringField(_l("Signatory's name"), validators=[DataRequired(), Length(max=200)])
    signatory_title = StringField(_l("Signatory's title"), validators=[DataRequired(), Length(max=200)],
                                  description=_l("For example \"Head of Procurement\" or \"Deputy Mayor\"."))
    note = TextAreaField(_l("Public note"), validators=[Length(max=2000)],
                         description=_l("Optional; shown with the endorsement."))
    reservation_section_id = SelectField(_l("Reservation on a section"), validate_choice=False,
                                         description=_l("Optional: endorse with a public reservation on one section."))
    reservation = TextAreaField(_l("The reservation"), validators=[Length(max=2000)])
    decided_by = StringField(_l("Decided by"), validators=[Length(max=200)],
                             description=_l("Optional: who took the decision you carry out, for example \"Board of "
                                            "directors\"."))
    decided_on = StringField(_l("Date of the decision"), render_kw={"type": "date"},
                             description=_l("Optional; not a day still to come."))
    # Its label names the text in words (title, version and date), set by the page for each version.
    confirm_hash = BooleanField(_l("I have read this exact text and endorse it on behalf of the organisation."),
                                validators=[DataRequired(message=_l("Confirm that you endorse this exact text."))])
    content_hash = StringField(_l("Content hash"))
    password = PasswordField(_l("Your password"), validators=[DataRequired()],
                             description=_l("Endorsing commits your organisation, so confirm it is you."),
                             render_kw={"autocomplete": "current-password"})


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason for withdrawing"), validators=[Length(max=2000)])


class DeadlineForm(FlaskForm):
    deadline = StringField(_l("Endorsement deadline"), render_kw={"type": "date"},
                           description=_l("The day endorsement is meant to close, shown to everyone; representatives "
                                          "who have not decided are reminded before it. Leave it empty for none."))


class ScheduleForm(FlaskForm):
    reminder_days = StringField(_l("Reminder days before the deadline"),
                                description=_l("Whole days, separated by commas, for example \"7, 1\": at most 5, "
                                               "each 1 to 60. Empty: no reminders."))


class DelegationForm(FlaskForm):
    organisation_id = SelectField(_l("For"), validate_choice=False)
    delegate_user_id = SelectField(_l("Colleague who may sign"), validate_choice=False)
    mandate = TextAreaField(_l("Mandate"), validators=[DataRequired(), Length(max=1000)],
                            description=_l("For example \"decision of the board of 12 May\"; shown with the "
                                           "endorsement."))
