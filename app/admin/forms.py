"""Admin forms: users and import uploads."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.models import ROLES

ROLE_LABELS = {
    "reviewer": _l("Reviewer"),
    "lead": _l("Lead"),
    "translator": _l("Translator"),
    "admin": _l("Admin"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserCreateForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("Initial password (leave empty to generate one)"), validators=[Optional()])
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES])


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(role, ROLE_LABELS[role]) for role in ROLES])
    active = BooleanField(_l("Active"))


class ImportForm(FlaskForm):
    file = FileField(_l("Procedure file (.jsonl)"), validators=[FileRequired()])
    publish = BooleanField(_l("Publish at once (each procedure takes the status its line gives)"))
