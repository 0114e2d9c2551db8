"""The export form: format, which marks, which agency."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from app.auth.forms import TOO_LONG
from app.exports.services import FORMAT_LABELS, STATUS_LABELS


class ExportForm(FlaskForm):
    # Choices are checked below: WTForms' own message has no Vietnamese or Thai translation.
    format = RadioField(_l("What to export"), default="xlsx", validate_choice=False)
    status = RadioField(_l("Marks in the plan"), default="proposed", validate_choice=False,
                        choices=[SelectChoice(code, label) for code, label in STATUS_LABELS.items()])
    agency = StringField(_l("Agency"), validators=[Optional(), Length(max=300, message=TOO_LONG)])

    def __init__(self, formats: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = [SelectChoice(code, FORMAT_LABELS[code]) for code in formats]

    @staticmethod
    def _check_choice(field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_("Choose one of the options."))

    def validate_format(self, field) -> None:
        self._check_choice(field)

    def validate_status(self, field) -> None:
        self._check_choice(field)
