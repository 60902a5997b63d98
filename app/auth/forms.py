"""Sign-in form."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(message="Enter your username."), Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password."), Length(max=500)])
    submit = SubmitField("Sign in")


class LogoutForm(FlaskForm):
    submit = SubmitField("Sign out")
