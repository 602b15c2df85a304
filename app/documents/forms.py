from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.documents.models import DOCUMENT_KINDS

LEVEL_CHOICES = [("1", "Section (§3)"), ("2", "Subsection (§3.2)"), ("3", "Sub-subsection (§3.2.1)")]


class DocumentForm(FlaskForm):
    title = StringField("Title", validators=[Length(max=300)],
                        description="Leave empty when importing a file whose first heading is its title.")
    kind = SelectField("Kind of document", choices=list(DOCUMENT_KINDS.items()), validate_choice=False)
    summary = TextAreaField("Summary", validators=[Length(max=5000)], description="Optional: one short paragraph.")
    file = FileField("Import a Markdown or Word file (.md, .docx)",
                     description="Optional: the file is split into sections at its headings; a Word file's comments "
                                 "and tracked changes become comments and suggested changes.")


class DocumentEditForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField("Summary", validators=[Length(max=5000)])


class SectionEditForm(FlaskForm):
    heading = StringField("Heading", validators=[DataRequired(), Length(max=300)])
    body = TextAreaField("Text (Markdown)")
    message = StringField("What did you change?", validators=[Length(max=500)],
                          description="Optional, shown in the history: for example \"tighter wording on audits\".")
    base_revision = HiddenField()


class NewSectionForm(FlaskForm):
    heading = StringField("Heading", validators=[DataRequired(), Length(max=300)])
    level = SelectField("Level", choices=LEVEL_CHOICES, default="1", validate_choice=False)
    after_section_id = SelectField("Place it after", validate_choice=False)
    body = TextAreaField("Text (Markdown)")


class VersionForm(FlaskForm):
    label = StringField("Version label", validators=[DataRequired(), Length(max=200)],
                        description="For example \"Draft for the Brussels workshop\".")
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
