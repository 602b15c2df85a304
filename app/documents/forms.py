from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.documents.models import DOCUMENT_KINDS
from app.i18n import LANGUAGES
from app.i18n import lazy_gettext as _l

LEVEL_CHOICES = [("1", _l("Section (§3)")), ("2", _l("Subsection (§3.2)")), ("3", _l("Sub-subsection (§3.2.1)"))]


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=300)],
                        description=_l("Leave empty when importing a file whose first heading is its title."))
    kind = SelectField(_l("Kind of document"), choices=list(DOCUMENT_KINDS.items()), validate_choice=False)
    language = SelectField(_l("Language of the text"), choices=list(LANGUAGES.items()), validate_choice=False,
                           description=_l("The language this text is written and endorsed in; translations into "
                                          "other languages can follow it."))
    summary = TextAreaField(_l("Summary"), validators=[Length(max=5000)],
                            description=_l("Optional: one short paragraph."))
    file = FileField(_l("Import a Markdown or Word file (.md, .docx)"),
                     description=_l("Optional: the file is split into sections at its headings; a Word file's "
                                    "comments and tracked changes become comments and suggested changes."))


class DocumentEditForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    language = SelectField(_l("Language of the text"), choices=list(LANGUAGES.items()), validate_choice=False,
                           description=_l("It can change until the document has a final version."))
    summary = TextAreaField(_l("Summary"), validators=[Length(max=5000)])


class SectionEditForm(FlaskForm):
    heading = StringField(_l("Heading"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Text (Markdown)"))
    message = StringField(_l("What did you change?"), validators=[Length(max=500)],
                          description=_l("Optional, shown in the history: for example \"tighter wording on audits\"."))
    base_revision = HiddenField()


class NewSectionForm(FlaskForm):
    heading = StringField(_l("Heading"), validators=[DataRequired(), Length(max=300)])
    level = SelectField(_l("Level"), choices=LEVEL_CHOICES, default="1", validate_choice=False)
    after_section_id = SelectField(_l("Place it after"), validate_choice=False)
    body = TextAreaField(_l("Text (Markdown)"))


class VersionForm(FlaskForm):
    label = StringField(_l("Version label"), validators=[DataRequired(), Length(max=200)],
                        description=_l("For example \"Draft for the Brussels workshop\"."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class ConfirmTransitionForm(FlaskForm):
    """The confirmation of a step in the workflow: the state the person saw (a stale or second submit is
    refused), and for making a text final its optional label and endorsement deadline."""
    confirmed_status = HiddenField()
    confirmed_version = HiddenField()
    label = StringField(_l("Name of the final version"), validators=[Length(max=200)],
                        description=_l("Optional, for example “Text for the board meetings of May”."))
    deadline = StringField(_l("Endorsement deadline"), render_kw={"type": "date"},
                           description=_l("Optional: the day endorsement is meant to close, shown to everyone; "
                                          "representatives who have not decided are reminded before it."))
