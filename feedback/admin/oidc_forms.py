"""The form for an organisation's OpenID Connect provider."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from feedback.auth.oidc_config import parse_group_roles, safe_provider_url
from feedback.models import Organisation
from feedback.models.oidc import DEFAULT_SCOPES
from feedback.web.forms import Form, strip

_CLAIM = Regexp(r"^[A-Za-z0-9_.:/-]*$", message=_l("Use only letters, digits and _ . : / -"))


class OidcProviderForm(Form):
    display_name = StringField(
        _l("Name on the sign-in button"),
        description=_l('For example "Nordby kommune (Entra ID)".'),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter a name for the button.")),
            Length(max=120, message=_l("At most %(max)d characters.", max=120)),
        ],
    )
    issuer = StringField(
        _l("Issuer"),
        description=_l(
            "Entra ID: https://login.microsoftonline.com/TENANT-ID/v2.0, with your directory's"
            " tenant ID"
        ),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the issuer address.")),
            Length(max=500, message=_l("At most %(max)d characters.", max=500)),
        ],
    )
    client_id = StringField(
        _l("Client ID"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the client ID.")),
            Length(max=255, message=_l("At most %(max)d characters.", max=255)),
        ],
    )
    client_secret = PasswordField(
        _l("Client secret"),
        validators=[Length(max=1000, message=_l("The secret is too long."))],
    )
    scopes = StringField(
        _l("Scopes"),
        description=_l(
            "Separated by spaces, with openid. Entra ID: openid email profile. Add the scope"
            " that gives the groups if your provider needs one, for example groups."
        ),
        default=DEFAULT_SCOPES,
        filters=[strip],
        validators=[
            DataRequired(_l("Enter the scopes.")),
            Length(max=300, message=_l("At most %(max)d characters.", max=300)),
            Regexp(r"^[A-Za-z0-9_.:/ -]*$", message=_l("Use only letters, digits and _ . : / -")),
        ],
    )
    email_claim = StringField(
        _l("Claim with the e-mail address"),
        description=_l("Usually email. Entra ID often needs preferred_username or upn."),
        default="email",
        filters=[strip],
        validators=[DataRequired(_l("Name the claim with the e-mail address.")), _CLAIM],
    )
    groups_claim = StringField(
        _l("Claim with the groups (optional)"),
        description=_l("Usually groups. Leave empty to give no roles from groups."),
        filters=[strip],
        validators=[Length(max=100), _CLAIM],
    )
    group_roles = TextAreaField(
        _l("Roles from groups (optional)"),
        description=_l(
            "One line per group: group = admin, group = quality:user_rep (or relative_rep,"
            " professional), or group = manager: followed by unit numbers separated by commas."
        ),
        filters=[strip],
        validators=[Length(max=10000)],
    )
    enabled = BooleanField(_l("Show the sign-in button and allow sign-in"))
    required = BooleanField(
        _l("Require this sign-in for the organisation's staff (no password sign-in here)")
    )

    save = SubmitField(_l("Save"))
    check = SubmitField(_l("Test the discovery document"))

    def __init__(self, *args: object, organisation: Organisation, has_secret: bool, **kw: object):
        super().__init__(*args, **kw)
        self.organisation = organisation
        self.has_secret = has_secret
        if has_secret:
            self.client_secret.description = _l("A secret is set. Leave empty to keep it.")

    def validate_issuer(self, field: StringField) -> None:
        if not safe_provider_url(field.data or ""):
            raise ValidationError(_l("The issuer must be an https:// address."))

    def validate_scopes(self, field: StringField) -> None:
        if "openid" not in (field.data or "").split():
            raise ValidationError(_l("The scopes must include openid."))

    def validate_client_secret(self, field: PasswordField) -> None:
        if not field.data and not self.has_secret:
            raise ValidationError(_l("Enter the client secret."))

    def validate_group_roles(self, field: TextAreaField) -> None:
        _rules, errors = parse_group_roles(field.data or "", self.organisation)
        if errors:
            raise ValidationError(" ".join(errors))
        if field.data and not self.groups_claim.data:
            raise ValidationError(_l("Name the claim with the groups too."))

    def validate_required(self, field: BooleanField) -> None:
        if field.data and not self.enabled.data:
            raise ValidationError(_l("Sign-in must be allowed before it can be required."))
