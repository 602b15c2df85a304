from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from app.i18n import lazy_gettext as _l
from app.notifications.models import EMAIL_CHOICES


class PreferenceForm(FlaskForm):
    email = RadioField(_l("E-mail me about notifications"), default="immediate",
                       choices=[SelectChoice(value, label) for value, label in EMAIL_CHOICES.items()])
