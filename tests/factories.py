"""Test data builders. Call inside an app context; they flush and return the objects."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from flask import current_app

from feedback.auth.services import hash_password
from feedback.extensions import db
from feedback.models import Membership, Organisation, Unit, User
from tests.conftest import PASSWORD

_seq = itertools.count(1)
_HASHES: dict[tuple[str, str], str] = {}


def password_hash(password: str) -> str:
    """A real hash of ``password``, made once per run for each password and hash method: the
    people of a test world are many, and hashing for each was a tenth of a test's time."""
    key = (current_app.config["PASSWORD_HASH_METHOD"], password)
    if key not in _HASHES:
        _HASHES[key] = hash_password(password)
    return _HASHES[key]


def organisation(
    name: str | None = None, slug: str | None = None, *, require_second_factor: bool = False
) -> Organisation:
    """An organisation; its second-factor policy is off unless the test asks (the model's
    default is on), so tests can sign in with a password alone."""
    n = next(_seq)
    org = Organisation(
        name=name or f"Testkommune {n}",
        slug=slug or f"test-{n}",
        require_second_factor=require_second_factor,
    )
    db.session.add(org)
    db.session.flush()
    return org


def unit(
    org: Organisation, name: str | None = None, parent: Unit | None = None, kind: str = "housing"
) -> Unit:
    u = Unit(organisation=org, name=name or f"Enhet {next(_seq)}", parent=parent, kind=kind)
    db.session.add(u)
    db.session.flush()
    return u


def user(
    email: str | None = None,
    *,
    org: Organisation | None = None,
    role: str | None = None,
    representation: str | None = None,
    units: Sequence[Unit] = (),
    password: str = PASSWORD,
    name: str = "Test Testesen",
    active: bool = True,
) -> User:
    u = User(
        email=email or f"person{next(_seq)}@example.no",
        name=name,
        password_hash=password_hash(password),
        active=active,
    )
    db.session.add(u)
    if org is not None and role is not None:
        if role == "quality" and representation is None:
            representation = "user_rep"
        db.session.add(
            Membership(
                user=u,
                organisation=org,
                role=role,
                representation=representation,
                units=list(units),
            )
        )
    db.session.flush()
    return u
