"""Login and password forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

# Validator messages of our own: WTForms ships no Vietnamese or Thai translation of its defaults.
REQUIRED = _l("This field is required.")
# TRANSLATORS: WTForms fills in %(max)d, the largest number of characters allowed.
TOO_LONG = _l("At most %(max)d characters.")
# TRANSLATORS: WTForms fills in %(min)d, the smallest number of characters allowed.
TOO_SHORT = _l("At least %(min)d characters.")


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(REQUIRED), Length(max=80, message=TOO_LONG)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Keep me signed in"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED), Length(min=10, message=TOO_SHORT)])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(REQUIRED), EqualTo("new", message=_l("The passwords differ."))])
