from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from feedback.auth import passwords
from feedback.auth.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from feedback.web.forms import Form, strip


class NotEasyToGuess:
    """A new password must not be among the easiest to guess (feedback.auth.passwords), also
    with the person's own words: those the view puts in ``form.personal_words`` (address,
    name, organisations) and a name typed in the same form."""

    message = _l(
        "This password is too easy to guess: it is a common password, or built from a common "
        "word, your name, your address or your organisation. Add words that do not belong "
        "together."
    )

    def __call__(self, form: Form, field: PasswordField) -> None:
        password = field.data or ""
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            return  # the length has its own message
        name = form._fields.get("name")
        words = [*getattr(form, "personal_words", ()), name.data if name is not None else None]
        if passwords.too_easy(password, passwords.personal_words(*words)):
            raise ValidationError(self.message)


def _sign_in_email_field() -> EmailField:
    """The address a person signs in with (sign-in, forgotten password)."""
    return EmailField(
        _l("E-mail address"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
        ],
        render_kw={"autocomplete": "username"},
    )


class LoginForm(Form):
    email = _sign_in_email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )


def new_password_field(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "The password must be between %(min)d and %(max)d characters long.",
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                ),
            ),
            NotEasyToGuess(),
        ],
        description=_l(
            "At least %(min)d characters. A few unrelated words are easy to "
            "remember and hard to guess.",
            min=MIN_PASSWORD_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )


def _confirm_field() -> PasswordField:
    return PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("new_password", message=_l("The two new passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(Form):
    #: The person's own words for NotEasyToGuess (set by the view).
    personal_words: Sequence[str | None] = ()
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field(_l("New password"))
    confirm = _confirm_field()

    def validate_new_password(self, field: PasswordField) -> None:
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("Choose a password different from the current one."))


class EndSessionsForm(Form):
    """Only the CSRF token, and which button: every other browser, or (alle) this one too."""

    everywhere = BooleanField(_l("Sign out here too"), name="alle")


def _own_name_field() -> StringField:
    return StringField(
        _l("Your name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=200, message=_l("The name can be at most %(max)d characters.", max=200)),
        ],
        render_kw={"autocomplete": "name"},
    )


class ForgotPasswordForm(Form):
    email = _sign_in_email_field()


class NewPasswordForm(Form):
    #: The person's own words for NotEasyToGuess (set by the view).
    personal_words: Sequence[str | None] = ()
    new_password = new_password_field(_l("New password"))
    confirm = _confirm_field()


class JoinForm(Form):
    """A new person's own name and password, chosen from an invitation."""

    #: The invitation's words for NotEasyToGuess (set by the view).
    personal_words: Sequence[str | None] = ()

    name = _own_name_field()
    new_password = new_password_field(_l("Choose a password"))
    confirm = _confirm_field()


class OwnNameForm(Form):
    name = _own_name_field()


class CodeForm(Form):
    """A code from the authenticator app (or, at sign-in, a recovery code)."""

    code = StringField(
        _l("6-digit code"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the code.")),
            Length(max=40, message=_l("The code is too long.")),
        ],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "inputmode": "numeric"},
    )

    def as_recovery(self) -> CodeForm:
        """The same field asking for a recovery code (letters too)."""
        self.code.label.text = str(_l("Recovery code"))
        self.code.description = _l("For example abcd-efgh-jkmn.")
        self.code.render_kw = {"autocomplete": "off", "spellcheck": "false"}
        return self


class EnrolForm(CodeForm):
    """The first code from the app, and the password again when the sign-in is not recent
    (the view asks for it then; ASVS 5.0 7.5.1)."""

    password = PasswordField(
        _l("Your password"),
        validators=[
            Length(max=MAX_PASSWORD_LENGTH, message=_l("The password is too long.")),
        ],
        description=_l(
            "Asked again because you signed in more than %(minutes)d minutes ago.", minutes=10
        ),
        render_kw={"autocomplete": "current-password"},
    )


class PasswordAgainForm(Form):
    """The password asked again before a change to the second factor."""

    password = PasswordField(
        _l("Your password"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )


class OwnEmailForm(Form):
    """A new sign-in address, confirmed by the current password (a session left open must not
    be enough to move the account to someone else's address)."""

    email = EmailField(
        _l("New e-mail address"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(_l("Enter an e-mail address like name@example.no."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email"},
    )
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(_l("Enter your current password.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("The password is too long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
