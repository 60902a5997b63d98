"""Sign-in and user administration forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.catalogue import ROLES, select_choices


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(message="Enter your username."), Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password."), Length(max=500)])
    submit = SubmitField("Sign in")


class LogoutForm(FlaskForm):
    submit = SubmitField("Sign out")


class RolesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _roles_field():
    return RolesField(
        "Roles", choices=select_choices(ROLES), validators=[DataRequired(message="Give the user at least one role.")]
    )


class UserEditForm(FlaskForm):
    display_name = StringField(
        "Display name", validators=[DataRequired(message="Enter a display name."), Length(max=200)]
    )
    roles = _roles_field()
    team = StringField("Team", validators=[Optional(), Length(max=100)])
    active = BooleanField("Account active (can sign in)")
    version_id = HiddenField()
    submit = SubmitField("Save user")


class UserCreateForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(message="Enter a username."),
            Length(max=100),
            Regexp(r"^[A-Za-z0-9._-]+$", message="Use letters, digits, dots, hyphens or underscores only."),
        ],
    )
    display_name = StringField(
        "Display name", validators=[DataRequired(message="Enter a display name."), Length(max=200)]
    )
    roles = _roles_field()
    team = StringField("Team", validators=[Optional(), Length(max=100)])
    password = PasswordField(
        "Initial password",
        validators=[
            DataRequired(message="Enter an initial password."),
            Length(min=MIN_PASSWORD_LENGTH, max=500, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
    )
    confirm = PasswordField(
        "Repeat the password", validators=[EqualTo("password", message="The passwords do not match.")]
    )
    submit = SubmitField("Create user")


class PasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired(message="Enter a new password."),
            Length(min=MIN_PASSWORD_LENGTH, max=500, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
    )
    confirm = PasswordField(
        "Repeat the password", validators=[EqualTo("password", message="The passwords do not match.")]
    )
    submit = SubmitField("Set password")


class RevokeTokensForm(FlaskForm):
    # Revoking cannot be undone (new tokens must be issued), so it is confirmed first.
    confirm = BooleanField(
        "Yes: revoke every API token of this user now. Programs using them stop working at once.",
        validators=[DataRequired(message="Tick the box to confirm: revoking cannot be undone.")],
    )
    submit = SubmitField("Revoke all API tokens")


class EndSessionsForm(FlaskForm):
    submit = SubmitField("Sign out everywhere")


class ClearLockoutForm(FlaskForm):
    submit = SubmitField("Let them try again now")


class OwnPasswordForm(FlaskForm):
    current = PasswordField(
        "Current password", validators=[DataRequired(message="Enter your current password."), Length(max=500)]
    )
    password = PasswordField(
        "New password",
        validators=[
            DataRequired(message="Enter a new password."),
            Length(min=MIN_PASSWORD_LENGTH, max=500, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
    )
    confirm = PasswordField(
        "Repeat the new password", validators=[EqualTo("password", message="The passwords do not match.")]
    )
    submit = SubmitField("Change my password")
