"""An organisation's OpenID Connect settings: the secret kept encrypted, the group-to-role lines,
the provider's discovery document and keys (cached per issuer), and who may use a password."""

from __future__ import annotations

import base64
import ipaddress
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
import urllib3
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _

from feedback import audit
from feedback.extensions import db
from feedback.models import Membership, OidcProvider, Organisation, Unit, User
from feedback.models.user import REPRESENTATIONS
from feedback.web.access import organisations_requiring_oidc

#: How long a discovery document is trusted before it is fetched again.
DISCOVERY_TTL_SECONDS = 3600
#: Largest document read from a provider.
MAX_DOCUMENT_BYTES = 512 * 1024


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered something unusable (no personal data)."""


# --- the client secret, encrypted at rest -----------------------------------------------------


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"brukerstemmen oidc client secret"
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(provider: OidcProvider) -> str:
    """The client secret; ProviderUnavailable when SECRET_KEY changed since it was saved."""
    try:
        return _fernet().decrypt(provider.client_secret_encrypted.encode()).decode()
    except InvalidToken as exc:
        raise ProviderUnavailable("client secret unreadable (SECRET_KEY changed?)") from exc


# --- group-to-role lines ----------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRole:
    group: str
    role: str
    representation: str | None = None
    unit_ids: tuple[int, ...] = field(default=())


def parse_group_roles(text: str, organisation: Organisation) -> tuple[list[GroupRole], list[str]]:
    """Lines "group = admin", "group = quality:user_rep", "group = manager:12,14"; returns the
    rules and one message per bad line (in the reader's language)."""
    rules: list[GroupRole] = []
    errors: list[str] = []
    unit_ids = set(
        db.session.scalars(sa.select(Unit.id).where(Unit.organisation_id == organisation.id))
    )
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        group, sep, target = (part.strip() for part in line.rpartition("="))
        if not sep or not group or not target:
            errors.append(_("Line %(n)d: write it as: group = role.", n=number))
            continue
        role, _colon, detail = (part.strip() for part in target.partition(":"))
        if role == "admin" and not detail:
            rules.append(GroupRole(group, "admin"))
        elif role == "quality" and detail in REPRESENTATIONS:
            rules.append(GroupRole(group, "quality", representation=detail))
        elif role == "manager" and detail:
            try:
                ids = tuple(int(part) for part in detail.split(","))
            except ValueError:
                ids = ()
            if not ids or not set(ids) <= unit_ids:
                errors.append(
                    _("Line %(n)d: give the numbers of units in this organisation.", n=number)
                )
                continue
            rules.append(GroupRole(group, "manager", unit_ids=ids))
        else:
            errors.append(
                _(
                    "Line %(n)d: the role must be admin, quality:user_rep, quality:relative_rep,"
                    " quality:professional or manager: followed by unit numbers.",
                    n=number,
                )
            )
    return rules, errors


# --- the settings page ------------------------------------------------------------------------


def provider_for(organisation: Organisation) -> OidcProvider | None:
    return db.session.scalar(
        sa.select(OidcProvider).where(OidcProvider.organisation_id == organisation.id)
    )


#: The fields of the settings page stored as they are.
EDITABLE = (
    "display_name",
    "issuer",
    "client_id",
    "scopes",
    "email_claim",
    "groups_claim",
    "group_roles",
    "enabled",
    "required",
)


def save_provider(
    organisation: Organisation, actor: User, *, client_secret: str, **values: Any
) -> OidcProvider:
    """Create or change the organisation's provider (audited; the secret only as "changed")."""
    provider = provider_for(organisation)
    created = provider is None
    if provider is None:
        provider = OidcProvider(organisation_id=organisation.id, client_secret_encrypted="")
        db.session.add(provider)
    changed = audit.apply_changes(provider, **values)
    if client_secret:
        provider.client_secret_encrypted = encrypt_secret(client_secret)
        changed["client_secret"] = ["…", "…"]
    db.session.flush()
    audit.record(
        organisation,
        actor,
        "oidc.update",
        provider.display_name,
        target=f"oidc_provider:{provider.id}",
        created=created,
        changes=changed,
    )
    return provider


def enabled_providers() -> list[tuple[str, str]]:
    """(organisation slug, button text) of every enabled provider, for the sign-in page."""
    stmt = (
        sa.select(Organisation.slug, OidcProvider.display_name)
        .join(OidcProvider, OidcProvider.organisation_id == Organisation.id)
        .where(OidcProvider.enabled.is_(True))
        .order_by(OidcProvider.display_name)
    )
    return [(slug, name) for slug, name in db.session.execute(stmt)]


def enabled_provider(slug: str) -> tuple[Organisation, OidcProvider] | None:
    row = db.session.execute(
        sa.select(Organisation, OidcProvider)
        .join(OidcProvider, OidcProvider.organisation_id == Organisation.id)
        .where(Organisation.slug == slug, OidcProvider.enabled.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


def password_allowed(user: User) -> bool:
    """False when every organisation the person holds a role in requires OpenID Connect."""
    organisation_ids = set(
        db.session.scalars(
            sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
        )
    )
    required = set(db.session.scalars(organisations_requiring_oidc()))
    return not organisation_ids or bool(organisation_ids - required)


# --- talking to the provider -------------------------------------------------------------------


def safe_provider_url(url: str) -> bool:
    """HTTPS; plain HTTP only to this machine and only where OIDC_ALLOW_HTTP_LOOPBACK is set
    (the tests' provider)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if not current_app.config["OIDC_ALLOW_HTTP_LOOPBACK"]:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def get_json(url: str) -> dict[str, Any]:
    """GET a JSON object from the provider, with the configured timeout."""
    if not safe_provider_url(url):
        raise ProviderUnavailable("address is not HTTPS")
    try:
        with requests.get(
            url,
            timeout=current_app.config["OIDC_HTTP_TIMEOUT"],
            headers={"Accept": "application/json"},
            allow_redirects=False,
            stream=True,
        ) as response:
            if response.status_code != 200:
                raise ProviderUnavailable(f"HTTP status {response.status_code}")
            body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        # A body read straight from urllib3 raises its own errors (a timeout mid-document).
        raise ProviderUnavailable(f"request failed: {type(exc).__name__}") from exc
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ProviderUnavailable("document too large")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ProviderUnavailable("not JSON") from exc
    except RecursionError as exc:  # json.loads reads nesting by recursion and gives up
        raise ProviderUnavailable("JSON nested too deep") from exc
    if not isinstance(data, dict):
        raise ProviderUnavailable("not a JSON object")
    return data


_lock = threading.Lock()
_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks: dict[str, tuple[float, dict[str, Any]]] = {}


def fetch_discovery(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document, checked (no cache: the settings page's test uses it)."""
    document = get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if document.get("issuer") != issuer:
        raise ProviderUnavailable("the document names another issuer")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str) or not safe_provider_url(value):
            raise ProviderUnavailable(f"{name} missing or not HTTPS")
    methods = document.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        raise ProviderUnavailable("PKCE with S256 not supported")
    return document


def discovery(issuer: str) -> dict[str, Any]:
    """The discovery document, cached per issuer for DISCOVERY_TTL_SECONDS."""
    now = time.monotonic()
    with _lock:
        cached = _discovery.get(issuer)
    if cached and now - cached[0] < DISCOVERY_TTL_SECONDS:
        return cached[1]
    document = fetch_discovery(issuer)
    with _lock:
        _discovery[issuer] = (now, document)
    return document


def signing_keys(issuer: str, *, refresh: bool = False) -> dict[str, Any]:
    """The issuer's key set, cached; ``refresh`` (a token named an unknown key) fetches it
    again, at most once every OIDC_JWKS_MIN_REFRESH_SECONDS."""
    now = time.monotonic()
    with _lock:
        cached = _jwks.get(issuer)
    if cached:
        age = now - cached[0]
        min_refresh = current_app.config["OIDC_JWKS_MIN_REFRESH_SECONDS"]
        if age < min_refresh or (not refresh and age < DISCOVERY_TTL_SECONDS):
            return cached[1]
    keys = get_json(discovery(issuer)["jwks_uri"])
    if not isinstance(keys.get("keys"), list):
        raise ProviderUnavailable("key set without keys")
    with _lock:
        _jwks[issuer] = (now, keys)
    return keys


def forget_issuer(issuer: str) -> None:
    """Drop what is cached about an issuer (its settings changed)."""
    with _lock:
        _discovery.pop(issuer, None)
        _jwks.pop(issuer, None)
