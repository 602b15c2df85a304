from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class EndorseForm(FlaskForm):
    organisation_id = SelectField("On behalf of", validate_choice=False)
    signatory_name = StringField("Signatory's name", validators=[DataRequired(), Length(max=200)])
    signatory_title = StringField("Signatory's title", validators=[DataRequired(), Length(max=200)],
                                  description="For example \"Head of Procurement\" or \"Deputy Mayor\".")
    note = TextAreaField("Public note", validators=[Length(max=2000)],
                         description="Optional; shown with the endorsement.")
    reservation_section_id = SelectField("Reservation on a section", validate_choice=False,
                                         description="Optional: endorse with a public reservation on one section.")
    reservation = TextAreaField("The reservation", validators=[Length(max=2000)])
    confirm_hash = BooleanField("I have read this exact text and endorse it on behalf of the organisation.",
                                validators=[DataRequired(message="Confirm that you endorse this exact text.")])
    content_hash = StringField("Content hash")
    password = PasswordField("Your password", validators=[DataRequired()],
                             description="Endorsing commits your organisation, so confirm it is you.",
                             render_kw={"autocomplete": "current-password"})


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Reason for withdrawing", validators=[Length(max=2000)])


class DeadlineForm(FlaskForm):
    deadline = StringField("Endorsement deadline", render_kw={"type": "date"},
                           description="The day endorsement is meant to close, shown to everyone; representatives "
                                       "who have not decided are reminded before it. Leave it empty for none.")
