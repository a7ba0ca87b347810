"""Form base class (WTForms' own messages are translated through our catalogs) and the helpers
every area's forms share, among them the sub-form for a text in bokmål, nynorsk and English."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from flask_babel import get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FormField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from feedback.models.survey import TEXT_LANGUAGES, clean_text


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "mark, don't translate"
    """Marks a msgid for extraction; it is translated later where it is shown."""
    return message


# WTForms' built-in messages that our forms can produce, so they reach the catalogs.
WTFORMS_MESSAGES = (
    N_("Not a valid choice."),
    N_("Not a valid integer value."),
    N_("Invalid Choice: could not coerce."),
    N_("This field is required."),
    N_("Invalid input."),
    N_("Not a valid date value."),
    N_("Number must be between %(min)s and %(max)s."),
)


class _Translations:
    def gettext(self, string: str) -> str:
        return str(gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # Translate only: WTForms fills in %(min)d, %(max)d … itself, and flask_babel's
        # ngettext would fill in %(num)d alone and fail on the others (KeyError).
        return str(get_translations().ngettext(singular, plural, n))


class Form(FlaskForm):  # type: ignore[misc]  # Flask-WTF has no type hints
    """Every form in the app derives from this."""

    class Meta:
        def get_translations(self, form: Any) -> _Translations:
            return _Translations()


def strip(value: Any) -> Any:
    """Field filter: trim spaces around text and drop NUL characters (no database stores
    them), keep everything else."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def show_error(form: Form, field: str, message: object) -> None:
    """Attach a service's complaint to the field it is about (or the form as a whole).

    ``field`` may name a field inside a sub-form, as "text.nn"; a sub-form's own name means its
    first field.
    """
    name, _, inner = field.partition(".")
    target = form._fields.get(name) if name else None
    if isinstance(target, FormField):
        target = target.form._fields.get(inner) if inner else next(iter(target.form), None)
    if target is None:
        form.form_errors.append(str(message))
    else:
        target.errors = [*target.errors, str(message)]


def options(pairs: Iterable[tuple[Any, object]]) -> list[SelectChoice]:
    """Choices for a select or checkbox list from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def choice_values(field: Any) -> set[str]:
    """The values a select or radio field offers."""
    return {choice.value for choice in field.choices or []}


#: For select fields: a value that is not among the choices (a tampered form).
CHOOSE_FROM_LIST = _l("Choose from the list.")

LANGUAGE_LABELS = {"nb": _l("Bokmål"), "nn": _l("Nynorsk"), "en": _l("English")}


@cache
def local_text_form(limit: int, *, required: bool = False, multiline: bool = False) -> type[Form]:
    """A sub-form with a bokmål, a nynorsk and an English version of one text."""
    field_class = TextAreaField if multiline else StringField
    too_long = _l("The text can be at most %(max)d characters.", max=limit)

    class LocalTextForm(Form):
        class Meta:
            csrf = False

        nb = field_class(
            LANGUAGE_LABELS["nb"],
            filters=[strip],
            validators=(
                [DataRequired(_l("Write the text in bokmål.")), Length(max=limit, message=too_long)]
                if required
                else [Length(max=limit, message=too_long)]
            ),
        )
        nn = field_class(
            LANGUAGE_LABELS["nn"], filters=[strip], validators=[Length(max=limit, message=too_long)]
        )
        en = field_class(
            LANGUAGE_LABELS["en"], filters=[strip], validators=[Length(max=limit, message=too_long)]
        )

    LocalTextForm.required = required
    return LocalTextForm


def text_of(field: FormField) -> dict[str, str]:
    """The text of a ``local_text_form`` field, by language, without empty versions."""
    return clean_text(field.data)


def fill_text(field: FormField, value: dict[str, str]) -> None:
    """Put a text (by language) into a ``local_text_form`` field."""
    for language in TEXT_LANGUAGES:
        field.form[language].data = value.get(language, "")
