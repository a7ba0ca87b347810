"""Forms for running a round."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, ValidationError
from wtforms.validators import InputRequired, NumberRange

from feedback.models import Unit
from feedback.respond import services
from feedback.web.forms import CHOOSE_FROM_LIST, Form


class UnitChoiceForm(Form):
    """A form with a unit select whose first choice is "no unit"."""

    #: The label of the empty choice.
    no_unit: object = ""
    unit: SelectField

    def setup(self, units: list[Unit]) -> UnitChoiceForm:
        self.unit.choices = [("", str(self.no_unit))] + [(str(u.id), u.name) for u in units]
        return self

    def validate_unit(self, field: SelectField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError(CHOOSE_FROM_LIST)


class KioskForm(UnitChoiceForm):
    no_unit = _l("Each person chooses")
    unit = SelectField(
        _l("Unit"),
        description=_l("The unit the tablet stands in. Leave it open to let each person choose."),
        default="",
        validate_choice=False,
    )
    idle_seconds = IntegerField(
        _l("Clear the screen after (seconds without use)"),
        description=_l(
            "From %(low)d to %(high)d seconds. A warning comes 20 seconds before.",
            low=services.KIOSK_IDLE_MIN,
            high=services.KIOSK_IDLE_MAX,
        ),
        default=services.KIOSK_IDLE_DEFAULT,
        validators=[
            InputRequired(_l("Write a number of seconds.")),
            NumberRange(
                services.KIOSK_IDLE_MIN,
                services.KIOSK_IDLE_MAX,
                _l("Write a number from %(min)s to %(max)s."),
            ),
        ],
    )


class CodesForm(UnitChoiceForm):
    no_unit = _l("No unit (the person chooses)")
    count = IntegerField(
        _l("Number of codes"),
        description=_l(
            "At most %(n)d at a time. Ten cards fit on a page.", n=services.MAX_CODES_PER_BATCH
        ),
        default=20,
        validators=[
            InputRequired(_l("Write how many codes you need.")),
            NumberRange(
                1, services.MAX_CODES_PER_BATCH, _l("Write a number from %(min)s to %(max)s.")
            ),
        ],
    )
    unit = SelectField(_l("Unit"), default="", validate_choice=False)


class CodeAccessForm(Form):
    requires_code = BooleanField(_l("Only people with a one-time code can answer"))
