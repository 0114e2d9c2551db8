"""Admin forms: users and import uploads."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.forms import REQUIRED, TOO_LONG
from app.auth.models import ROLES

ROLE_LABELS = {
    # TRANSLATORS: a role in this app: reads the procedure catalog and proposes simplifications.
    "reviewer": lazy_pgettext("user role", "Reviewer"),
    # TRANSLATORS: a role in this app: the working-group lead who decides on proposals.
    "lead": lazy_pgettext("user role", "Lead"),
    # TRANSLATORS: a role in this app: translates the interface and procedure texts.
    "translator": lazy_pgettext("user role", "Translator"),
    # TRANSLATORS: a role in this app: the administrator (users, imports, publication).
    "admin": lazy_pgettext("user role", "Admin"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        # WTForms' own message has no Vietnamese or Thai translation.
        known = {choice[0] for choice in self.iter_choices()}
        unknown = [value for value in self.data or [] if value not in known]
        if unknown:
            raise ValidationError(_("Not a valid choice: %(values)s", values=", ".join(unknown)))


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(REQUIRED), Length(max=80, message=TOO_LONG)])
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    password = PasswordField(_l("Initial password (leave empty to generate one)"), validators=[Optional()])
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES])


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES])
    active = BooleanField(_l("Active"))
    languages = MultiCheckboxField(
        _l("Languages this translator may edit (none ticked: all)"),
        choices=[SelectChoice(code, name) for code, name in (("vi", "Tiếng Việt"), ("th", "ไทย"), ("en", "English"))])


class ImportForm(FlaskForm):
    file = FileField(_l("Procedure file (.jsonl)"), validators=[FileRequired(REQUIRED)])
    publish = BooleanField(_l("Publish at once (each procedure takes the status its line gives)"))
