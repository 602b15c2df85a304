from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.comments.services import MAX_RATIONALE_CHARS
from app.i18n import lazy_gettext as _l


class CommentForm(FlaskForm):
    """Field lengths are checked by the service (413 for an oversized comment, as in the API)."""

    quote = StringField(_l("Words you comment on (optional)"),
                        description=_l("Select words in the text, or type or paste them. Leave empty to comment on "
                                       "the whole section."))
    body = TextAreaField(_l("Your comment"), description=_l("Markdown. Mention someone with @ and their name."),
                         render_kw={"rows": 6})
    occurrence = HiddenField(_l("Occurrence of the words"))
    parent_id = HiddenField(_l("Thread replied to"))


class EditCommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), description=_l("Markdown. Mention someone with @ and their name."),
                         render_kw={"rows": 6})


class AmendmentForm(FlaskForm):
    body = TextAreaField(_l("Your text for the section (Markdown)"), render_kw={"rows": 16})
    rationale = TextAreaField(_l("Why this change?"), validators=[Optional(), Length(max=MAX_RATIONALE_CHARS)],
                              description=_l("Optional. Mention someone with @ and their name."))
    base_revision = HiddenField(_l("Revision written on"))


class ResolveAmendmentForm(FlaskForm):
    body = TextAreaField(_l("The text to save (Markdown)"), render_kw={"rows": 14},
                         description=_l("Starts as the current text: carry the suggestion's change into it by hand."))
    base_revision = HiddenField()


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=MAX_RATIONALE_CHARS)],
                           description=_l("Shown to the person who suggested it."))
