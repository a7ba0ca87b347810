"""Forms for handling a case, the case list, categories and statistics; the date field that the
report form (feedback.report.forms) and the evaluation forms share."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional

from feedback.deviations.handling import OPEN_STATUSES
from feedback.deviations.receiving import MESSAGE_MAX
from feedback.models.deviation import SEVERITIES
from feedback.vocabulary import DEVIATION_STATUS_LABELS, SEVERITY_LABELS
from feedback.web.forms import (
    CHOOSE_FROM_LIST,
    Form,
    choice_values,
    local_text_form,
    options,
    strip,
)

#: Dates typed by hand (dd.mm.åååå) as well as from a date picker (åååå-mm-dd).
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y"]
BAD_DATE = _l("Write the date as dd.mm.åååå, for example 03.11.2026.")


class DayField(DateField):  # type: ignore[misc]  # WTForms has no type hints
    """A date typed as dd.mm.åååå or picked (åååå-mm-dd), shown again as åååå-mm-dd so a date
    input can show it."""

    def __init__(self, label: object = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format=DATE_FORMATS, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(BAD_DATE)) from error
        if self.data is not None:
            self.raw_data = [self.data.isoformat()]


def too_long(limit: int) -> Length:
    """At most ``limit`` characters, said so."""
    return Length(max=limit, message=_l("The text can be at most %(max)d characters.", max=limit))


class CaseForm(Form):
    status = SelectField(
        _l("Status"),
        choices=options((s, DEVIATION_STATUS_LABELS[s]) for s in OPEN_STATUSES),
    )
    severity = SelectField(
        _l("Severity"),
        choices=options([("", _l("Not assessed")), *((s, SEVERITY_LABELS[s]) for s in SEVERITIES)]),
    )
    handler = SelectField(_l("Case handler"), coerce=str, validate_choice=False)
    deadline = DayField(
        _l("Deadline"),
        validators=[Optional()],
    )

    def validate_handler(self, field: SelectField) -> None:
        if field.data not in choice_values(field):
            raise ValidationError(CHOOSE_FROM_LIST)


class MeasureForm(Form):
    description = TextAreaField(
        _l("Measure"),
        description=_l("What will be done so it does not happen again?"),
        filters=[strip],
        validators=[DataRequired(_l("Describe the measure.")), too_long(2000)],
    )
    owner = StringField(
        _l("Responsible"),
        description=_l("A person or a role, for example “Leader, Solsikken”."),
        filters=[strip],
        validators=[DataRequired(_l("Write who is responsible.")), too_long(200)],
    )
    due = DayField(_l("Due date (optional)"), validators=[Optional()])


class MeasureDoneForm(Form):
    done = BooleanField(_l("Done"))


class MessageForm(Form):
    body = TextAreaField(
        _l("Message to the reporter"),
        description=_l(
            "The reporter reads this with the receipt code. Write plainly; do not name anyone."
        ),
        filters=[strip],
        validators=[DataRequired(_l("Write the message.")), too_long(MESSAGE_MAX)],
    )


class NoteForm(Form):
    note = TextAreaField(
        _l("Internal note"),
        description=_l("Only staff who can see the case read this. The reporter never does."),
        filters=[strip],
        validators=[DataRequired(_l("Write the note.")), too_long(MESSAGE_MAX)],
    )


class CloseForm(Form):
    evaluation = TextAreaField(
        _l("Closing evaluation"),
        description=_l("What was learnt, and did the measures work?"),
        filters=[strip],
        validators=[DataRequired(_l("Write the closing evaluation.")), too_long(3000)],
    )


class ActionForm(Form):
    """A button with nothing to fill in (reopen)."""


class RedactForm(Form):
    """The flagged pieces are checkboxes named "sladd" (read by the view); this is the rest."""

    other = StringField(
        _l("Other text to black out (optional)"),
        description=_l("For example a name. Write it exactly as in the report."),
        filters=[strip],
        validators=[
            Optional(),
            Length(
                min=3,
                message=_l("Write at least 3 characters, so no more is blacked out than meant."),
            ),
            too_long(200),
        ],
    )


class FilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False)
    unit = SelectField(_l("Unit"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    severity = SelectField(_l("Severity"), validate_choice=False)
    overdue = BooleanField(_l("Only overdue"))
    mine = BooleanField(_l("Only mine"))


class CategoryForm(Form):
    names = FormField(local_text_form(100, required=True), label=_l("Name"))
    active = BooleanField(_l("In use"), default=True)


class PeriodForm(Form):
    class Meta:
        csrf = False

    fra = DayField(_l("From"), validators=[Optional()])
    til = DayField(_l("To"), validators=[Optional()])

    def validate_fra(self, field: DayField) -> None:
        _plausible(field)

    def validate_til(self, field: DayField) -> None:
        _plausible(field)
        if field.data and self.fra.data and field.data < self.fra.data:
            raise ValidationError(_l("The end date must be on or after the start date."))


#: Statistics periods stay within these years (and far from the calendar's ends).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _plausible(field: DayField) -> None:
    if field.data and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Choose a date between 2000 and 2100."))
