"""Forms of the public pages: the report, the receipt code, the reporter's reply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length

from feedback.deviations import receiving
from feedback.deviations.forms import DayField, too_long
from feedback.models.base import today
from feedback.models.survey import NO_UNIT_CHOICE
from feedback.vocabulary import REPORTER_KIND_LABELS
from feedback.web.forms import CHOOSE_FROM_LIST, Form, choice_values, options, strip

#: How far back a report may go: older events are still worth reporting, but not typos.
OLDEST_EVENT = timedelta(days=5 * 366)
NO_SUCH_CODE = _l("We found no report with this code. Check that you typed it as on your receipt.")


class PublicForm(Form):
    """Public forms carry a signed one-time token instead of a CSRF token: no session cookie."""

    class Meta:
        csrf = False


class ReportForm(PublicForm):
    reporter_kind = RadioField(
        _l("Who are you?"),
        choices=options(REPORTER_KIND_LABELS.items()),
        validators=[DataRequired(_l("Choose who you are."))],
    )
    unit = SelectField(
        _l("Where did it happen?"),
        validate_choice=False,
        validators=[DataRequired(_l("Choose where it happened."))],
    )
    event_date = DayField(
        _l("When did it happen?"),
        description=_l("An approximate date is fine."),
        validators=[InputRequired(_l("Write the date it happened."))],
    )
    category = RadioField(
        _l("What is it about?"),
        coerce=str,
        validate_choice=False,
        validators=[DataRequired(_l("Choose what it is about."))],
    )
    description = TextAreaField(
        _l("What happened?"),
        description=_l(
            "Describe what happened in your own words. Do not write names or other details"
            " that show who someone is."
        ),
        filters=[strip],
        validators=[
            DataRequired(_l("Write what happened.")),
            too_long(receiving.DESCRIPTION_MAX),
        ],
        render_kw={"rows": 8},
    )
    suggestion = TextAreaField(
        _l("What should be done? (optional)"),
        description=_l("Your suggestion for how this can be made better."),
        filters=[strip],
        validators=[too_long(receiving.SUGGESTION_MAX)],
    )
    reporter_name = StringField(
        _l("Your name (optional)"),
        filters=[strip],
        validators=[too_long(200)],
        render_kw={"autocomplete": "name"},
    )
    reporter_contact = StringField(
        _l("Phone or e-mail (optional)"),
        description=_l("Only if you want us to contact you. Only the case handler sees this."),
        filters=[strip],
        validators=[too_long(254)],
    )
    skjema = HiddenField()

    def __init__(
        self, *args: Any, units: list[tuple[str, str]], cats: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = options(
            [
                ("", _l("Choose …")),
                *units,
                (NO_UNIT_CHOICE, _l("I do not know, or would rather not say")),
            ]
        )
        self.category.choices = options(cats)

    def validate_unit(self, field: SelectField) -> None:
        if field.data not in choice_values(field):
            raise ValidationError(CHOOSE_FROM_LIST)

    def validate_category(self, field: RadioField) -> None:
        if field.data not in choice_values(field):
            raise ValidationError(CHOOSE_FROM_LIST)

    def validate_event_date(self, field: DayField) -> None:
        if field.data is None:  # not a date: the field said so already
            return
        if field.data > today():
            raise ValidationError(_l("The date cannot be in the future."))
        if field.data < today() - OLDEST_EVENT:
            raise ValidationError(_l("The date is more than five years ago. Check the year."))


class ReceiptForm(PublicForm):
    kode = StringField(
        _l("Receipt code"),
        description=_l("You got it when you sent the report. It looks like ABCD-EFGH-JKMN-PQRS."),
        filters=[strip],
        validators=[
            DataRequired(_l("Write your receipt code.")),
            # Longer than any code typed with spaces: no report has it.
            Length(max=60, message=NO_SUCH_CODE),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )


class ReplyForm(PublicForm):
    kode = HiddenField()
    skjema = HiddenField()
    body = TextAreaField(
        _l("Your answer"),
        filters=[strip],
        validators=[DataRequired(_l("Write your answer.")), too_long(receiving.MESSAGE_MAX)],
    )
