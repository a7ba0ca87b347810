"""Forms of the API key pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from feedback.api_keys.services import NAME_LENGTH
from feedback.web.forms import Form, strip


class TokenForm(Form):
    name = StringField(
        _l("Name of the key"),
        description=_l("What the key is for, so you can tell your keys apart. Example: Power BI"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Give the key a name.")),
            Length(
                max=NAME_LENGTH,
                message=_l("The text can be at most %(max)d characters.", max=NAME_LENGTH),
            ),
        ],
    )


class RevokeForm(Form):
    """Only the CSRF token: the key is in the address."""
