"""Forms for the evaluation of a round, its action points and the answers to them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from feedback.deviations.forms import FIRST_YEAR, LAST_YEAR, DayField
from feedback.evaluation import services
from feedback.web.forms import CHOOSE_FROM_LIST, Form, choice_values, options, strip

#: Form value for "no unit" (the whole organisation) and "nobody yet".
NONE = ""


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("The text can be at most %(max)d characters.", max=limit))


def _status_choices() -> list[Any]:
    return options(services.STATUS_LABELS.items())


class EvaluationForm(Form):
    assessment = TextAreaField(
        _l("The group's assessment"),
        description=_l(
            "What the results tell the group: what works, what should be better. Staff with"
            " access to the results read this; it is not shown on the public page."
        ),
        filters=[strip],
        validators=[_too_long(services.ASSESSMENT_MAX)],
        render_kw={"rows": 10},
    )
    public_summary = TextAreaField(
        _l("Summary for the public page"),
        description=_l(
            "In plain language, for the people who answered: what you heard and what will be"
            " done. Do not write anything that shows who someone is."
        ),
        filters=[strip],
        validators=[_too_long(services.SUMMARY_MAX)],
        render_kw={"rows": 6},
    )
    published = BooleanField(
        _l("Show the summary on the public page"),
        description=_l(
            "The page “You said – we are doing” then shows the summary and the action points"
            " you mark for publishing. It never shows the assessment or who is responsible."
        ),
    )
    texts_released = BooleanField(
        _l("Let managers read the free-text answers"),
        description=_l(
            "Do this when the group has read the free text and redacted what should not be"
            " kept. Managers then read the answers from their units. Answers still flagged as"
            " likely personal data stay hidden from managers."
        ),
    )


def _plausible(field: DayField) -> None:
    if field.data and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Choose a date between 2000 and 2100."))


class PointForm(Form):
    title = StringField(
        _l("Title"),
        description=_l("What will be done, in a few words."),
        filters=[strip],
        validators=[DataRequired(_l("Write a title.")), _too_long(services.TITLE_MAX)],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        description=_l("Why, and how it will be done."),
        filters=[strip],
        validators=[_too_long(services.DESCRIPTION_MAX)],
        render_kw={"rows": 5},
    )
    unit = SelectField(
        _l("Unit"),
        description=_l("Managers of this unit, and of the units above it, answer the point."),
        validate_choice=False,
    )
    owner = SelectField(_l("Responsible"), validate_choice=False)
    due_on = DayField(
        _l("Due date (optional)"),
        description=_l("For example 31.12.2026."),
        validators=[Optional()],
    )
    status = SelectField(_l("Status"), validate_choice=False)
    published = BooleanField(
        _l("Show on the public page"),
        description=_l(
            "Title, description, unit, status and the month it is due are shown when the"
            " evaluation is published. Who is responsible is never shown."
        ),
    )

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]],
        owners: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = options([(NONE, _l("The whole organisation")), *units])
        self.owner.choices = options([(NONE, _l("Nobody yet")), *owners])
        self.status.choices = _status_choices()

    def validate_unit(self, field: SelectField) -> None:
        _from_list(field)

    def validate_owner(self, field: SelectField) -> None:
        _from_list(field)

    def validate_status(self, field: SelectField) -> None:
        _from_list(field)

    def validate_due_on(self, field: DayField) -> None:
        _plausible(field)


def _from_list(field: SelectField) -> None:
    if field.data not in choice_values(field):
        raise ValidationError(CHOOSE_FROM_LIST)


class StatusForm(Form):
    status = SelectField(_l("Status"), validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = _status_choices()

    def validate_status(self, field: SelectField) -> None:
        _from_list(field)


class AnswerForm(Form):
    body = TextAreaField(
        _l("Your answer"),
        description=_l(
            "What has been done, or what is planned. Everyone who sees the point reads it."
        ),
        filters=[strip],
        validators=[DataRequired(_l("Write your answer.")), _too_long(services.ANSWER_MAX)],
        render_kw={"rows": 4},
    )


class DeleteForm(Form):
    """A confirmation button with nothing to fill in."""
