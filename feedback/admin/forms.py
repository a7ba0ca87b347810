from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from feedback.models import Unit
from feedback.models.organisation import LOWEST_MIN_GROUP_SIZE
from feedback.vocabulary import (
    APPROVAL_RULE_LABELS,
    REPRESENTATION_LABELS,
    ROLE_LABELS,
    UNIT_KIND_LABELS,
)
from feedback.web.forms import CHOOSE_FROM_LIST, Form, options, strip

#: The "no parent" choice; 0 is never a real id.
TOP_LEVEL = 0


class CheckboxListField(SelectMultipleField):  # type: ignore[misc]  # WTForms has no type hints
    """Multiple choice rendered as a list of checkboxes (no JavaScript, easy to tap)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _name_field() -> StringField:
    return StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=200, message=_l("The name can be at most %(max)d characters.", max=200)),
        ],
    )


def _email_field() -> EmailField:
    return EmailField(
        _l("E-mail address"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(_l("Enter an e-mail address like name@example.no."), check_deliverability=False),
        ],
    )


def unit_choices(tree: list[tuple[Unit, int]]) -> list[tuple[int, str]]:
    # Non-breaking spaces show the tree depth inside a plain <select>.
    return [(unit.id, "\u00a0\u00a0" * depth + unit.name) for unit, depth in tree]


def _select(label: object, **kwargs: object) -> SelectField:
    return SelectField(
        label,
        invalid_choice_message=CHOOSE_FROM_LIST,
        invalid_value_message=CHOOSE_FROM_LIST,
        **kwargs,
    )


class UnitForm(Form):
    name = _name_field()
    kind = _select(
        _l("Kind of unit"),
        choices=options(UNIT_KIND_LABELS.items()),
        validators=[DataRequired(_l("Choose a kind of unit."))],
    )
    parent_id = _select(_l("Part of"), coerce=int)
    active = BooleanField(
        _l("In use"),
        default=True,
        description=_l("Units no longer in use keep their history but get no new answers."),
    )
    #: Text, not IntegerField: a message of our own for "12 personer", "-3" or "1,5".
    people_served = StringField(
        _l("Number of people the unit serves"),
        filters=[strip],
        description=_l(
            "About how many people the unit serves. Leave the field empty if you do not know."
            " More responses than this, or a small unit, can mean that someone has filled in"
            " responses for others."
        ),
        validators=[Length(max=9, message=_l("Type a whole number, for example 12."))],
    )
    codes_only = BooleanField(
        _l("Responses with one-time codes only"),
        description=_l(
            "Responses about this unit are taken only with a one-time code made for it, not by"
            " link or kiosk."
        ),
    )

    def validate_people_served(self, field: StringField) -> None:
        if field.data and not (field.data.isascii() and field.data.isdigit()):
            raise ValidationError(_l("Type a whole number, for example 12."))

    @property
    def people_served_number(self) -> int | None:
        """The validated number of people served; None when left empty (not known)."""
        return int(self.people_served.data) if self.people_served.data else None

    def set_parents(self, tree: list[tuple[Unit, int]]) -> None:
        self.parent_id.choices = options(
            [(TOP_LEVEL, _l("Nothing (top level)")), *unit_choices(tree)]
        )


class RoleFields(Form):
    role = _select(
        _l("Role"),
        # No preselected role: an administrator should never be made by accident.
        choices=options([("", _l("Choose a role")), *ROLE_LABELS.items()]),
        validators=[DataRequired(_l("Choose a role."))],
    )
    representation = _select(
        _l("Represents (quality group only)"),
        choices=options([("", "—"), *REPRESENTATION_LABELS.items()]),
        validate_choice=False,
    )
    unit_ids = CheckboxListField(
        _l("Units (managers only)"),
        coerce=int,
        invalid_choice_message=_l("Choose units from the list."),
        invalid_value_message=_l("Choose units from the list."),
        description=_l("A manager sees results and deviation reports for these units."),
    )

    def set_units(self, tree: list[tuple[Unit, int]]) -> None:
        self.unit_ids.choices = options(unit_choices(tree))

    def validate_representation(self, field: SelectField) -> None:
        if field.data and field.data not in REPRESENTATION_LABELS:
            raise ValidationError(_l("Choose from the list."))
        if self.role.data == "quality" and not field.data:
            raise ValidationError(_l("Choose what the quality group member represents."))

    def validate_unit_ids(self, field: CheckboxListField) -> None:
        if self.role.data == "manager" and not field.data:
            raise ValidationError(_l("Choose at least one unit the manager is responsible for."))


class InviteForm(RoleFields):
    name = _name_field()
    email = _email_field()


class AccountForm(Form):
    name = _name_field()
    email = _email_field()
    active = BooleanField(_l("Account active"), description=_l("Inactive accounts cannot sign in."))


class SettingsForm(Form):
    name = _name_field()
    min_group_size = IntegerField(
        _l("Smallest group shown in results"),
        description=_l(
            "Results for fewer answers than this are never shown, to protect anonymity."
            " At least %(n)d.",
            n=LOWEST_MIN_GROUP_SIZE,
        ),
        validators=[
            InputRequired(_l("Enter a number.")),
            NumberRange(
                min=LOWEST_MIN_GROUP_SIZE,
                max=100,
                message=_l("Enter a number from %(min)s to %(max)s."),
            ),
        ],
    )
    approval_rule = RadioField(
        _l("Who must approve a questionnaire before it opens?"),
        choices=options(APPROVAL_RULE_LABELS.items()),
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    approval_count = IntegerField(
        _l("Number of user representatives (for a set number)"),
        validators=[
            InputRequired(_l("Enter a number.")),
            NumberRange(min=1, max=50, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
    )
    require_second_factor = BooleanField(
        _l(
            "Require two-step sign-in for administrators and for everyone who handles "
            "deviation cases"
        ),
        description=_l(
            "When this is on, administrators, the quality group and managers sign in with a "
            "password and a code from an authenticator app. Others may choose it."
        ),
    )


class IdentityForm(Form):
    display_name = StringField(
        _l("Name shown to the public"),
        filters=[strip],
        description=_l(
            "Shown at the top of every page, on posters and in reports. Leave it empty to use"
            " the organisation's name."
        ),
        validators=[
            Length(max=200, message=_l("The name can be at most %(max)d characters.", max=200))
        ],
    )
    accent_colour = StringField(
        _l("Accent colour"),
        filters=[strip],
        description=_l(
            "Used for the top of the pages, buttons and links. Write it as # and six digits or"
            " letters a–f, for example #0062ba. Leave it empty for the standard colours."
        ),
        validators=[
            Length(
                max=7,
                message=_l(
                    "Write the colour as # and six digits or letters a–f, for example #0062ba."
                ),
            )
        ],
    )
    logo = FileField(
        _l("Logo"),
        description=_l("A PNG or SVG file of at most 200 KB. Leave it empty to keep the logo."),
    )
    remove_logo = BooleanField(_l("Remove the logo"))
