from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.comments.services import MAX_RATIONALE_CHARS


class CommentForm(FlaskForm):
    """Field lengths are checked by the service (413 for an oversized comment, as in the API)."""

    quote = StringField("Words you comment on (optional)",
                        description="Select words in the text, or type or paste them. Leave empty to comment on the "
                                    "whole section.")
    body = TextAreaField("Your comment", description="Markdown. Mention someone with @ and their name.",
                         render_kw={"rows": 6})
    occurrence = HiddenField("Occurrence of the words")
    parent_id = HiddenField("Thread replied to")


class EditCommentForm(FlaskForm):
    body = TextAreaField("Your comment", description="Markdown. Mention someone with @ and their name.",
                         render_kw={"rows": 6})


class AmendmentForm(FlaskForm):
    body = TextAreaField("Your text for the section (Markdown)", render_kw={"rows": 16})
    rationale = TextAreaField("Why this change?", validators=[Optional(), Length(max=MAX_RATIONALE_CHARS)],
                              description="Optional. Mention someone with @ and their name.")
    base_revision = HiddenField("Revision written on")


class ResolveAmendmentForm(FlaskForm):
    body = TextAreaField("The text to save (Markdown)", render_kw={"rows": 14},
                         description="Starts as the current text: carry the suggestion's change into it by hand.")
    base_revision = HiddenField()


class RejectForm(FlaskForm):
    reason = TextAreaField("Reason (optional)", validators=[Optional(), Length(max=MAX_RATIONALE_CHARS)],
                           description="Shown to the person who suggested it.")
