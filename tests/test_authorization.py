"""The authorization matrix: every URL rule of the app, for every kind of person, with the status
each must get.

The table below names every endpoint. A new route without an entry fails
``test_every_rule_has_an_entry``, and so does an entry for a route that is gone. The people:
someone not signed in, an administrator, a quality-group member of each representation, the
manager of unit A (not unit B), and an administrator and quality-group member of another
organisation, who passes every role check and must still not reach this organisation's objects
(rounds, cases, units, accounts, roles, action points, categories, API keys); and a person with
roles in both organisations (manager of unit A here, administrator there), working here, who must
get exactly what the manager gets. Another account with roles in both organisations is the object
of the administration variants: both organisations' administrators may see who it is and manage
their own roles, and neither may change its name, e-mail, active state or password.

One app and one set of data serve the module, and the tests run in this order: every GET; every
forbidden POST (with a valid CSRF token and a form that would change something, and nothing may
change); every POST without its CSRF token; the public forms without their one-time token; the
POSTs of those allowed (which may change things); and last the forbidden forms again from
someone allowed, to show they would have changed something.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import Rule

from feedback.admin.forms import TOP_LEVEL
from feedback.api_keys import services as api_services
from feedback.auth import email_change, invitations
from feedback.auth.services import ADMIN_LINK_LIFETIME, issue_password_link
from feedback.designer import lifecycle
from feedback.designer import services as designer
from feedback.deviations.categories import categories
from feedback.deviations.receiving import REPORT_FORM, NewReport, new_report_token, submit
from feedback.extensions import db
from feedback.fieldwork import services as fieldwork
from feedback.models import (
    ActionPoint,
    Answer,
    ApiToken,
    DeviationMeasure,
    Evaluation,
    Membership,
    Organisation,
    SurveyRound,
    Unit,
    User,
)
from feedback.models.api import hash_api_token, new_api_token
from feedback.models.base import today, utcnow
from feedback.respond import services as respond
from feedback.results.charts import plotly
from feedback.web.errors import CSRF_MESSAGE
from tests import factories
from tests.conftest import build_app, csrf_token, login, module_database
from tests.shared import dump_tables, publish_now
from tests.world import PEOPLE, build_place, document, likert

# --- who asks ------------------------------------------------------------------------------------

ANON = "anonymous"
ADMIN = "admin"
USER_REP = "quality_user_rep"
RELATIVE_REP = "quality_relative_rep"
PROFESSIONAL = "quality_professional"
QUALITY = (USER_REP, RELATIVE_REP, PROFESSIONAL)
MANAGER = "manager_a"
OTHER = "other_org"
#: Manager of unit A here and administrator of the other organisation: a person with roles in
#: both, working here (the organisation first by name), where the role elsewhere gives nothing.
BOTH = "manager_here_admin_there"
SUBJECTS = (ANON, ADMIN, *QUALITY, MANAGER, OTHER, BOTH)

#: What the other organisation's member must never see on a page of their own.
MARKERS = ("Fjordvik kommune", "Solsiden", "Møteplassen")

#: Expected: a redirect to the login page (with ?next= the page asked for).
LOGIN = "login"
#: Expected: a redirect to the login page to start again (the code page with no password step).
SIGN_IN_AGAIN = "sign_in_again"
Expected = int | str
#: Outcomes that mean "not for you".
DENIED: frozenset[Expected] = frozenset({LOGIN, SIGN_IN_AGAIN, 401, 403, 404})


def row(
    anon: Expected,
    admin: Expected,
    quality: Expected | tuple[Expected, Expected, Expected],
    manager: Expected,
    other: Expected,
    both: Expected | None = None,
) -> dict[str, Expected]:
    """One expected outcome per subject; ``quality`` is one for all three kinds, or a triple
    (user representative, relative representative, professional). The person with roles in
    both organisations gets what the manager gets unless ``both`` says otherwise."""
    triple = quality if isinstance(quality, tuple) else (quality,) * 3
    values = (anon, admin, *triple, manager, other, manager if both is None else both)
    return dict(zip(SUBJECTS, values, strict=True))


# Rows that many routes share. "OBJ": the address names one of organisation 1's objects, so the
# other organisation's member gets 404; without it they see their own organisation's page.
PUBLIC = row(200, 200, 200, 200, 200)
#: A public page that answers with a redirect (to a questionnaire page's own address).
TO_PAGE = row(303, 303, 303, 303, 303)
ADMIN_PAGE = row(LOGIN, 200, 403, 403, 200)
ADMIN_OBJ = row(LOGIN, 200, 403, 403, 404)
EDIT_PAGE = row(LOGIN, 200, 200, 404, 200)
EDIT_OBJ = row(LOGIN, 200, 200, 404, 404)
READ_PAGE = row(LOGIN, 200, 200, 200, 200)
READ_OBJ = row(LOGIN, 200, 200, 200, 404)
# Results, deviation cases and the dashboard: the quality group and managers.
STAFF_PAGE = row(LOGIN, 404, 200, 200, 200)
STAFF_OBJ = row(LOGIN, 404, 200, 200, 404)
GROUP_OBJ = row(LOGIN, 404, 200, 404, 404)
CATEGORY_PAGE = row(LOGIN, 200, 404, 404, 200)
CATEGORY_OBJ = row(LOGIN, 200, 404, 404, 404)
API_PAGE = row(401, 401, 200, 200, 200)
API_OBJ = row(401, 401, 200, 200, 404)


# --- the data ----------------------------------------------------------------------------------


@dataclass
class World:
    """Ids of everything the addresses are filled with."""

    org: int
    slug: str
    unit_a: int
    unit_b: int
    #: An open round with responses from unit A, a public link, a kiosk key and access codes.
    open_round: int
    public_token: str
    kiosk_key: str
    batch: int
    access_code: str
    #: A free-text answer of the open round ("response:question:position").
    text_answer: str
    #: A draft round to edit, and one awaiting approval.
    draft_round: int
    draft_page: int
    draft_question: int
    #: The draft's last page, which only the reorder route changes, and its questions reversed.
    order_page: int
    draft_order: str
    awaiting_round: int
    category: int
    case_a: str
    case_b: str
    #: A closed case of unit A to reopen.
    closed_case: str
    receipt_a: str
    measure: int
    point_a: int
    point_b: int
    #: An account of organisation 1 to edit, and one whose role gets removed.
    spare_user: int
    spare_membership: int
    #: The user representative's own API key (its pages are tested).
    key_id: int
    #: The other organisation, and an account with roles in both (quality in each, and a
    #: manager role here whose removal is tested).
    other_org: int
    shared_user: int
    shared_membership: int
    #: Organisation 1's invitations: one to send again, one to withdraw, one whose link (to an
    #: address without an account) is opened; and the other organisation's invitation to the
    #: user representative, to decline.
    pending_invitation: int
    spare_invitation: int
    invitation_token: str
    declinable_invitation: int
    #: A link to choose a new password (for the account that leaves).
    password_token: str
    #: A link confirming a new address for that account, which another account took since.
    email_token: str
    #: Per subject: an API key (bearer secret).
    bearer: dict[str, str] = field(default_factory=dict)
    #: Per allowed subject: a page, a question and an action point to delete.
    spare_pages: dict[str, int] = field(default_factory=dict)
    spare_questions: dict[str, int] = field(default_factory=dict)
    spare_points: dict[str, int] = field(default_factory=dict)
    closed_cases: dict[str, str] = field(default_factory=dict)


#: The subjects who are people of the one test world (tests/world/); the others are added.
FROM_WORLD = {ADMIN: "admin", USER_REP: "kari", PROFESSIONAL: "fag"}


def _email(subject: str) -> str:
    if subject in FROM_WORLD:
        return PEOPLE[FROM_WORLD[subject]].email
    return f"{subject.replace('_', '.')}@example.no"


def _text(key: str) -> dict[str, Any]:
    return {"key": key, "type": "text_long", "text": {"nb": "Fortell mer"}, "max_length": 500}


def _build_world() -> World:
    # The world's place: unit A is Solsiden, unit B Møteplassen beside it.
    place = build_place()
    org = db.session.get(Organisation, place.org)
    other = db.session.get(Organisation, place.other_org)
    assert org is not None and other is not None
    unit_a = db.session.get(Unit, place.units["Solsiden"])
    unit_b = db.session.get(Unit, place.units["Møteplassen"])
    assert unit_a is not None and unit_b is not None

    users: dict[str, User] = {}
    for subject, key in FROM_WORLD.items():
        person = db.session.get(User, place.people[key])
        assert person is not None
        users[subject] = person
    users.update(
        {
            RELATIVE_REP: factories.user(
                _email(RELATIVE_REP), org=org, role="quality", representation="relative_rep"
            ),
            MANAGER: factories.user(_email(MANAGER), org=org, role="manager", units=[unit_a]),
            # Every role, but in the other organisation: only the organisation check stops them.
            OTHER: factories.user(_email(OTHER), org=other, role="admin"),
            BOTH: factories.user(_email(BOTH), org=org, role="manager", units=[unit_a]),
        }
    )
    db.session.add(Membership(user=users[BOTH], organisation=other, role="admin"))
    db.session.add(
        Membership(user=users[OTHER], organisation=other, role="quality", representation="user_rep")
    )
    spare = factories.user(
        "reserve@example.no", org=org, role="quality", representation="professional"
    )
    leaving = factories.user("slutter@example.no", org=org, role="manager", units=[unit_b])
    # Roles in both organisations: no administrator may manage the account itself.
    shared = factories.user("begge@example.no", org=org, role="quality", name="Begge Steder")
    shared_manager = Membership(user=shared, organisation=org, role="manager", units=[unit_b])
    db.session.add_all(
        [
            shared_manager,
            Membership(user=shared, organisation=other, role="quality", representation="user_rep"),
        ]
    )
    db.session.flush()
    pending, _token = invitations.invite(
        org,
        users[ADMIN],
        email="venter@example.no",
        name="Venter",
        role="admin",
        representation=None,
    )
    spare_invitation, _token = invitations.invite(
        org,
        users[ADMIN],
        email="trekkes@example.no",
        name="Trekkes",
        role="admin",
        representation=None,
    )
    _invitation, invitation_token = invitations.invite(
        org,
        users[ADMIN],
        email="ny@example.no",
        name="Ny",
        role="quality",
        representation="user_rep",
    )
    declinable, _token = invitations.invite(
        other,
        users[OTHER],
        email=_email(USER_REP),
        name="Bruker",
        role="admin",
        representation=None,
    )
    password_token = issue_password_link(leaving, ADMIN_LINK_LIFETIME)
    email_token = email_change.request_change(None, leaving, leaving, _email(ADMIN))

    # The open round: six responses from unit A, one with free text.
    open_round = designer.create_round(
        org, None, document([likert("listened"), _text("comment")]), source="test"
    )
    open_round.status = "open"
    open_round.opened_at = utcnow()
    # Beta serves one person and has two answers: a padding warning to check.
    unit_b.people_served = 1
    db.session.commit()
    for _ in range(2):
        respond.store(
            open_round,
            {"listened": ["3"]},
            unit=unit_b,
            channel="link",
            nonce=secrets.token_hex(16),
        )
        db.session.commit()
    for n in range(6):
        answers = {"listened": [str(1 + n % 5)]}
        if n == 0:
            answers["comment"] = ["Husmøtet er bra, men maten kunne vært bedre."]
        respond.store(open_round, answers, unit=unit_a, channel="link", nonce=secrets.token_hex(16))
        db.session.commit()
    publish_now(open_round.id)
    open_round = db.session.get(SurveyRound, open_round.id)
    comment = next(q for q in open_round.questions if q.key == "comment")
    answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == comment.id))
    assert answer is not None
    text_answer = f"{answer.response_id}:{answer.question_id}:{answer.position}"
    kiosk_key = respond.kiosk_key(open_round, unit_a, 120)
    batch = fieldwork.make_codes(open_round, 2, unit_a)
    access_code = fieldwork.batch_codes(open_round, batch)[0].code

    # A draft with one page and question to edit, and a page and a question per editor to
    # delete. Each editor's attack moves the page and the question one step down, in whatever
    # order pytest-xdist runs the cases: questions and pages that no case deletes stay below
    # them, so every move has somewhere to go even after every spare one is deleted.
    editors = (ADMIN, *QUALITY)
    draft = designer.create_round(
        org,
        None,
        document(
            [
                likert("q1"),
                *(likert(f"spare_{n}") for n in range(len(editors))),
                *(likert(f"below_{n}") for n in range(len(editors))),
            ],
            *([likert(f"page_{n}")] for n in range(len(editors))),
            *([likert(f"last_{n}")] for n in range(len(editors))),
            # Only the reorder route's attack touches this page: it swaps the two.
            [likert("order_a"), likert("order_b")],
        ),
        source="test",
    )
    awaiting = designer.create_round(org, None, document([likert("a1")]), source="test")
    lifecycle.submit_for_approval(awaiting, None)
    db.session.flush()

    in_use = categories(org)
    cases = {}
    closed = ("closed", *QUALITY, MANAGER, BOTH)
    for name, unit in (("a", unit_a), ("b", unit_b), *((c, unit_a) for c in closed)):
        nonce = respond.read_one_time_token(REPORT_FORM, org.id, new_report_token(org)).nonce
        assert nonce is not None
        cases[name] = submit(
            org,
            NewReport(
                reporter_kind="service_user",
                unit=unit,
                event_date=today() - timedelta(days=1),
                category=in_use[0],
                description="Husmøtet ble avlyst uten beskjed.",
            ),
            nonce,
        )
    case_a, receipt_a = cases["a"]
    case_b, _receipt_b = cases["b"]
    for name in closed:
        case, _receipt = cases[name]
        case.status, case.closed_on, case.closing_evaluation = "closed", today(), "Ordnet."
    measure = DeviationMeasure(deviation_id=case_a.id, description="Ring alle", owner="Leder")
    db.session.add(measure)

    db.session.add(Evaluation(round_id=open_round.id, assessment="Bra.", published=True))
    points = {
        name: ActionPoint(round_id=open_round.id, title=f"Tiltak {name}", unit_id=unit)
        for name, unit in (
            ("a", unit_a.id),
            ("b", unit_b.id),
            *((s, unit_b.id) for s in QUALITY),
        )
    }
    db.session.add_all(points.values())

    bearer = {}
    for subject in (*QUALITY, MANAGER, BOTH):
        _token, bearer[subject] = api_services.create_token(users[subject], org, "Power BI")
    _token, bearer[OTHER] = api_services.create_token(users[OTHER], other, "Power BI")
    # The administrator holds no API role: a key made behind the app's back must not work.
    secret = new_api_token()
    db.session.add(
        ApiToken(
            user_id=users[ADMIN].id,
            organisation_id=org.id,
            name="Ulovlig",
            token_hash=hash_api_token(secret),
            hint=secret[:8],
        )
    )
    bearer[ADMIN] = secret
    key, _secret = api_services.create_token(users[USER_REP], org, "Rapport")
    db.session.commit()

    draft_questions = {q.key: q.id for q in draft.questions}
    return World(
        org=org.id,
        slug=org.slug,
        unit_a=unit_a.id,
        unit_b=unit_b.id,
        open_round=open_round.id,
        public_token=open_round.public_token,
        kiosk_key=kiosk_key,
        batch=batch,
        access_code=access_code,
        text_answer=text_answer,
        draft_round=draft.id,
        draft_page=draft.pages[0].id,
        draft_question=draft_questions["q1"],
        order_page=draft.pages[-1].id,
        draft_order=",".join(str(q.id) for q in reversed(draft.pages[-1].questions)),
        awaiting_round=awaiting.id,
        category=in_use[0].id,
        case_a=case_a.id,
        case_b=case_b.id,
        closed_case=cases["closed"][0].id,
        receipt_a=receipt_a,
        measure=measure.id,
        point_a=points["a"].id,
        point_b=points["b"].id,
        spare_user=spare.id,
        spare_membership=leaving.memberships[0].id,
        key_id=key.id,
        other_org=other.id,
        shared_user=shared.id,
        shared_membership=shared_manager.id,
        pending_invitation=pending.id,
        spare_invitation=spare_invitation.id,
        invitation_token=invitation_token,
        declinable_invitation=declinable.id,
        password_token=password_token,
        email_token=email_token,
        bearer=bearer,
        spare_pages={s: draft.pages[n + 1].id for n, s in enumerate(editors)},
        spare_questions={s: draft_questions[f"spare_{n}"] for n, s in enumerate(editors)},
        spare_points={s: points[s].id for s in QUALITY},
        closed_cases={s: cases[s][0].id for s in (*QUALITY, MANAGER, BOTH)},
    )


# --- the table ---------------------------------------------------------------------------------

Values = Callable[[World, str], dict[str, Any]]
Form = Callable[[World], dict[str, Any]]


def at(**names: str) -> Values:
    """Address values taken from the World: ``at(round_id="open_round")``."""
    return lambda w, s: {key: getattr(w, name) for key, name in names.items()}


def own(key: str, spares: str, shared: str, **more: str) -> Values:
    """``key`` is an allowed subject's own spare object (``spares`` in the World, by subject)
    and everyone else's the ``shared`` one: a deletion by someone allowed leaves the others'
    address intact."""

    def values(w: World, s: str) -> dict[str, Any]:
        own_spares: dict[str, int] = getattr(w, spares)
        return {
            **at(**more)(w, s),
            key: own_spares.get(s, getattr(w, shared)),
        }

    return values


def form(**fields: str) -> Form:
    """A fixed form."""
    return lambda w: dict(fields)


NOTHING: Form = form()


@dataclass(frozen=True)
class Route:
    values: Values = lambda w, s: {}  # noqa: E731
    #: Expected per subject for GET (None: the rule takes no GET).
    get: Mapping[str, Expected] | None = None
    #: Expected per subject for POST (None: the rule takes no POST).
    post: Mapping[str, Expected] | None = None
    #: A form that would change something if a forbidden subject got through.
    attack: Form = NOTHING
    #: The form allowed subjects send (empty by default: nothing is saved).
    allowed: Form = NOTHING
    #: The allowed form itself changes the database (a button with nothing to fill in): then
    #: the same empty form from the forbidden subjects was a real attempt too.
    acts: bool = False


def _upload(w: World) -> dict[str, Any]:
    text = json.dumps(document([likert("snik")]))
    return {"file": (io.BytesIO(text.encode()), "skjema.json")}


def _answer(w: World) -> dict[str, str]:
    return {f"svar-{w.point_a}-body": "Snik"}


def _point_status(w: World) -> dict[str, str]:
    return {f"status-{w.point_a}-status": "done"}


ROUTES: dict[str, Route] = {
    # main, auth
    "main.index": Route(get=PUBLIC),
    "main.set_language": Route(lambda w, s: {"code": "nb"}, get=row(302, 302, 302, 302, 302)),
    "main.plotly_js": Route(lambda w, s: {"version": plotly.plotly_version()}, get=PUBLIC),
    "main.choose_organisation": Route(
        post=row(LOGIN, 302, 302, 302, 404),
        attack=lambda w: {"organisation_id": str(w.org)},
        allowed=lambda w: {"organisation_id": str(w.org)},
    ),
    "auth.login": Route(get=row(200, 302, 302, 302, 302), post=row(200, 302, 302, 302, 302)),
    "auth.logout": Route(post=row(302, 302, 302, 302, 302)),
    "auth.change_password": Route(get=READ_PAGE, post=READ_PAGE),
    "auth.sessions": Route(get=READ_PAGE),
    "auth.end_sessions": Route(post=row(LOGIN, 302, 302, 302, 302)),
    # Mail is off here: the page answers the same, and sends nothing.
    "auth.forgot_password": Route(get=PUBLIC, post=PUBLIC),
    "auth.reset_password": Route(at(token="password_token"), get=PUBLIC, post=PUBLIC),
    # The address is taken by now: anyone holding the link is told so, and nothing changes.
    "auth.confirm_email": Route(
        at(token="email_token"), get=row(409, 409, 409, 409, 409), post=row(409, 409, 409, 409, 409)
    ),
    # Mail is off here: the page says so and asks for nothing.
    "auth.change_email": Route(get=READ_PAGE, post=READ_PAGE),
    # Nothing sent keeps one's name: saved.
    "auth.account": Route(
        get=READ_PAGE, post=row(LOGIN, 302, 302, 302, 302), attack=form(name="Kapret")
    ),
    # The administrator is organisation 1's last (refused). The person with roles in both
    # leaves the other organisation (it keeps another administrator); everyone else names an
    # organisation where they hold no role.
    "auth.leave": Route(
        lambda w, s: {"organisation_id": w.org if s in (ANON, ADMIN, OTHER) else w.other_org},
        get=row(LOGIN, 200, 404, 404, 404, both=200),
        post=row(LOGIN, 200, 404, 404, 404, both=302),
    ),
    "auth.decline_invitation": Route(
        at(invitation_id="declinable_invitation"),
        post=row(LOGIN, 404, (302, 404, 404), 404, 404),
        acts=True,
    ),
    # The organisation has no OpenID Connect provider: nobody can start or finish one.
    "auth.oidc_start": Route(at(slug="slug"), get=row(404, 404, 404, 404, 404)),
    "auth.oidc_callback": Route(at(slug="slug"), get=row(404, 404, 404, 404, 404)),
    # No password step waits (anonymous) or already signed in: back to the start.
    "auth.verify_code": Route(
        get=row(SIGN_IN_AGAIN, 302, 302, 302, 302), post=row(SIGN_IN_AGAIN, 302, 302, 302, 302)
    ),
    "auth.second_factor": Route(get=READ_PAGE, post=READ_PAGE),
    # Without TOTP on there is nothing to renew or turn off: to the set-up page.
    "auth.renew_recovery_codes": Route(post=row(LOGIN, 302, 302, 302, 302)),
    "auth.turn_off_second_factor": Route(post=row(LOGIN, 302, 302, 302, 302)),
    # administration
    "admin.index": Route(get=ADMIN_PAGE),
    "admin.edit_settings": Route(
        get=ADMIN_PAGE,
        post=ADMIN_PAGE,
        attack=form(name="Kapret", min_group_size="5", approval_rule="all", approval_count="1"),
    ),
    # The empty form is valid (no name, no colour: the defaults) and saves nothing.
    "admin.edit_identity": Route(
        get=ADMIN_PAGE,
        post=row(LOGIN, 302, 403, 403, 302),
        attack=form(display_name="Kapret", accent_colour="#b3261e"),
    ),
    # The organisation has no logo and no colour here: no address is one (tests/brand).
    "brand.logo": Route(
        lambda w, s: {"organisation_id": w.org, "fingerprint": "0" * 64},
        get=row(404, 404, 404, 404, 404),
    ),
    "brand.theme_css": Route(
        lambda w, s: {"organisation_id": w.org, "fingerprint": "0" * 12},
        get=row(404, 404, 404, 404, 404),
    ),
    "brand.respond_theme_css": Route(
        lambda w, s: {"organisation_id": w.org, "fingerprint": "0" * 12},
        get=row(404, 404, 404, 404, 404),
    ),
    "admin.edit_sign_in": Route(
        get=ADMIN_PAGE,
        post=ADMIN_PAGE,
        attack=form(
            display_name="Kapret",
            issuer="https://idp.example",
            client_id="kapret",
            client_secret="kapret-hemmelighet",
            email_claim="email",
            enabled="y",
            save="Save",
        ),
    ),
    "admin.list_units": Route(
        get=ADMIN_PAGE,
        post=ADMIN_PAGE,
        attack=form(name="Snikenheten", kind="housing", parent_id=str(TOP_LEVEL), active="y"),
    ),
    "admin.edit_unit": Route(
        at(unit_id="unit_a"),
        get=ADMIN_OBJ,
        post=ADMIN_OBJ,
        attack=form(name="Kapret", kind="housing", parent_id=str(TOP_LEVEL), active="y"),
        # Fields left out keep their values, but a box left out is unticked: send a problem.
        allowed=form(name=""),
    ),
    "admin.list_accounts": Route(get=ADMIN_PAGE),
    "admin.new_invitation": Route(
        get=ADMIN_PAGE,
        post=ADMIN_PAGE,
        attack=form(name="Snik", email="snik@example.no", role="admin"),
    ),
    # Mail is off here: the administrator gets the link-once page (200).
    "admin.resend_invitation": Route(
        at(invitation_id="pending_invitation"), post=row(LOGIN, 200, 403, 403, 404), acts=True
    ),
    "admin.withdraw_invitation": Route(
        at(invitation_id="spare_invitation"), post=row(LOGIN, 302, 403, 403, 404), acts=True
    ),
    "admin.edit_account": Route(
        at(user_id="spare_user"),
        get=ADMIN_OBJ,
        post=ADMIN_OBJ,
        attack=form(**{"account-name": "Kapret", "account-email": "kapret@example.no"}),
        allowed=form(**{"account-email": "ingen-adresse"}),
    ),
    "admin.send_password_link": Route(
        at(user_id="spare_user"), post=row(LOGIN, 200, 403, 403, 404), acts=True
    ),
    "admin.reset_second_factor": Route(
        at(user_id="spare_user"), get=ADMIN_OBJ, post=row(LOGIN, 302, 403, 403, 404)
    ),
    "admin.add_role": Route(
        at(user_id="spare_user"), post=ADMIN_OBJ, attack=form(**{"role-role": "admin"})
    ),
    "admin.remove_role": Route(
        at(membership_id="spare_membership"), post=row(LOGIN, 302, 403, 403, 404), acts=True
    ),
    "admin.audit_log": Route(get=ADMIN_PAGE),
    # questionnaires
    "designer.index": Route(get=READ_PAGE),
    "designer.new_questionnaire": Route(
        get=EDIT_PAGE, post=EDIT_PAGE, attack=form(template="", title="Snikskjema")
    ),
    "designer.import_questionnaire": Route(get=EDIT_PAGE, post=EDIT_PAGE, attack=_upload),
    "designer.show_round": Route(at(round_id="open_round"), get=READ_OBJ),
    "designer.export_round": Route(at(round_id="open_round"), get=READ_OBJ),
    "designer.round_history": Route(at(round_id="open_round"), get=READ_OBJ),
    "designer.round_texts": Route(at(round_id="open_round"), get=READ_OBJ),
    "designer.round_approval": Route(at(round_id="open_round"), get=READ_OBJ),
    "designer.round_run": Route(at(round_id="open_round"), get=READ_OBJ),
    "designer.preview": Route(at(round_id="open_round"), get=READ_OBJ, post=READ_OBJ),
    "designer.edit_settings": Route(
        at(round_id="draft_round"),
        get=EDIT_OBJ,
        post=EDIT_OBJ,
        attack=form(**{"title-nb": "Kapret tittel"}),
    ),
    "designer.change_status": Route(
        at(round_id="draft_round"),
        post=row(LOGIN, 400, 400, 404, 404),
        attack=form(action="submit"),
    ),
    "designer.start_new_round": Route(
        at(round_id="open_round"), post=row(LOGIN, 302, 302, 404, 404), acts=True
    ),
    "designer.save_template": Route(
        at(round_id="draft_round"), get=EDIT_OBJ, post=EDIT_OBJ, attack=form(name="Snikmal")
    ),
    "designer.add_page": Route(
        at(round_id="draft_round"), post=row(LOGIN, 302, 302, 404, 404), acts=True
    ),
    "designer.edit_page": Route(
        at(round_id="draft_round", page_id="draft_page"),
        get=EDIT_OBJ,
        # Nothing sent keeps the page as it was: saved.
        post=row(LOGIN, 302, 302, 404, 404),
        attack=form(**{"title-nb": "Kapret side"}),
    ),
    "designer.move_page": Route(
        at(round_id="draft_round", page_id="draft_page"),
        post=row(LOGIN, 400, 400, 404, 404),
        attack=form(direction="down"),
    ),
    "designer.delete_page": Route(
        own("page_id", "spare_pages", "draft_page", round_id="draft_round"),
        get=EDIT_OBJ,
        post=row(LOGIN, 302, 302, 404, 404),
        acts=True,
    ),
    "designer.add_question": Route(
        lambda w, s: {"round_id": w.draft_round, "page_id": w.draft_page, "type": "likert"},
        get=EDIT_OBJ,
        post=EDIT_OBJ,
        attack=form(**{"text-nb": "Snikspørsmål"}),
    ),
    "designer.edit_question": Route(
        at(round_id="draft_round", question_id="draft_question"),
        get=EDIT_OBJ,
        post=EDIT_OBJ,
        attack=lambda w: {"text-nb": "Kapret", "page_id": str(w.draft_page)},
    ),
    "designer.move_question": Route(
        at(round_id="draft_round", question_id="draft_question"),
        post=row(LOGIN, 400, 400, 404, 404),
        attack=form(direction="down"),
    ),
    "designer.reorder_questions": Route(
        at(round_id="draft_round", page_id="order_page"),
        post=row(LOGIN, 400, 400, 404, 404),
        attack=lambda w: {"order": w.draft_order},
    ),
    "designer.delete_question": Route(
        own("question_id", "spare_questions", "draft_question", round_id="draft_round"),
        get=EDIT_OBJ,
        post=row(LOGIN, 302, 302, 404, 404),
        acts=True,
    ),
    # running a round
    "fieldwork.links": Route(at(round_id="open_round"), get=READ_OBJ),
    "fieldwork.poster(round_id)": Route(at(round_id="open_round"), get=READ_OBJ),
    "fieldwork.poster(round_id,unit_id)": Route(
        at(round_id="open_round", unit_id="unit_a"), get=READ_OBJ
    ),
    "fieldwork.kiosk": Route(
        at(round_id="open_round"),
        get=EDIT_OBJ,
        post=EDIT_OBJ,
        attack=form(unit="", idle_seconds="120"),
    ),
    "fieldwork.codes": Route(
        at(round_id="open_round"), get=EDIT_OBJ, post=EDIT_OBJ, attack=form(unit="", count="5")
    ),
    "fieldwork.code_access": Route(
        at(round_id="open_round"),
        post=row(LOGIN, 302, 302, 404, 404),
        attack=form(requires_code="y"),
    ),
    "fieldwork.codes_only": Route(
        at(round_id="open_round", unit_id="unit_b"),
        post=row(LOGIN, 302, 302, 404, 404),
        attack=form(bare_kode="1"),
    ),
    "fieldwork.code_cards": Route(at(round_id="open_round", batch="batch"), get=EDIT_OBJ),
    "fieldwork.paper": Route(at(round_id="open_round"), get=READ_OBJ),
    "fieldwork.enter_paper": Route(
        at(round_id="open_round"), get=EDIT_OBJ, post=row(LOGIN, 400, 400, 404, 404)
    ),
    "fieldwork.counts": Route(at(round_id="open_round"), get=READ_OBJ),
    "fieldwork.counts_json": Route(at(round_id="open_round"), get=READ_OBJ),
    # answering (public; a one-time form token instead of the CSRF token)
    # A questionnaire's address leads to its first page's own address (POST-redirect-GET).
    "respond.by_link": Route(at(token="public_token"), get=TO_PAGE, post=TO_PAGE),
    "respond.by_unit_link": Route(
        at(token="public_token", unit_id="unit_a"), get=TO_PAGE, post=TO_PAGE
    ),
    "respond.thanks": Route(at(token="public_token"), get=PUBLIC),
    "respond.code": Route(get=PUBLIC, post=row(400, 400, 400, 400, 400)),
    "respond.by_code": Route(get=TO_PAGE, post=TO_PAGE),
    "respond.kiosk": Route(at(key="kiosk_key"), get=TO_PAGE, post=TO_PAGE),
    "respond.kiosk_thanks": Route(at(key="kiosk_key"), get=PUBLIC),
    "respond.kiosk_reset": Route(
        at(key="kiosk_key"), get=row(303, 303, 303, 303, 303), post=row(303, 303, 303, 303, 303)
    ),
    "respond.privacy": Route(get=PUBLIC),
    # results
    "results.index": Route(get=STAFF_PAGE),
    "results.round_results": Route(at(round_id="open_round"), get=STAFF_OBJ),
    "results.questions": Route(at(round_id="open_round"), get=STAFF_OBJ),
    "results.free_text": Route(at(round_id="open_round"), get=STAFF_OBJ),
    "results.compare": Route(at(round_id="open_round"), get=STAFF_OBJ),
    "results.trend": Route(at(round_id="open_round"), get=STAFF_OBJ),
    "results.redact": Route(
        at(round_id="open_round"),
        post=row(LOGIN, 404, 302, 404, 404),
        attack=lambda w: {"svar": w.text_answer, "hele": "1"},
    ),
    # Two answers at a unit that serves one person: a padding warning to check.
    "results.check_padding": Route(
        at(round_id="open_round"),
        post=row(LOGIN, 404, 302, 404, 404),
        attack=lambda w: {"advarsel": f"{w.unit_b}:population:"},
    ),
    "results.downloads": Route(at(round_id="open_round"), get=STAFF_OBJ),
    "results.report": Route(at(round_id="open_round"), get=STAFF_OBJ),
    "results.results_csv": Route(at(round_id="open_round"), get=STAFF_OBJ),
    "results.results_xlsx": Route(at(round_id="open_round"), get=STAFF_OBJ),
    "results.raw_csv": Route(at(round_id="open_round"), get=GROUP_OBJ),
    "results.raw_xlsx": Route(at(round_id="open_round"), get=GROUP_OBJ),
    "results.text_csv": Route(at(round_id="open_round"), get=GROUP_OBJ),
    "results.text_xlsx": Route(at(round_id="open_round"), get=GROUP_OBJ),
    "overview.index": Route(get=STAFF_PAGE),
    # evaluation and action plan
    "evaluation.edit": Route(
        at(round_id="open_round"),
        get=STAFF_OBJ,
        # Every field may be empty: saved.
        post=row(LOGIN, 404, 302, 404, 404),
        attack=form(assessment="Kapret vurdering", public_summary="Kapret"),
    ),
    "evaluation.new_point": Route(
        at(round_id="open_round"),
        get=GROUP_OBJ,
        post=row(LOGIN, 404, 400, 404, 404),
        attack=form(title="Sniktiltak", status="planned", unit="", owner=""),
    ),
    "evaluation.edit_point": Route(
        at(round_id="open_round", point_id="point_a"),
        get=GROUP_OBJ,
        post=row(LOGIN, 404, 400, 404, 404),
        attack=form(title="Kapret tiltak", status="planned", unit="", owner=""),
    ),
    "evaluation.delete_point": Route(
        own("point_id", "spare_points", "point_a", round_id="open_round"),
        get=GROUP_OBJ,
        post=row(LOGIN, 404, 302, 404, 404),
        acts=True,
    ),
    "evaluation.answer_point": Route(
        at(round_id="open_round", point_id="point_a"),
        post=row(LOGIN, 404, 400, 400, 404),
        attack=_answer,
    ),
    "evaluation.set_point_status": Route(
        at(round_id="open_round", point_id="point_a"),
        post=row(LOGIN, 404, 400, 400, 404),
        attack=_point_status,
    ),
    "published.page": Route(at(slug="slug"), get=PUBLIC),
    # API keys and the API (the API's subjects present their bearer key, never the cookie)
    "api_keys.list_tokens": Route(get=row(LOGIN, 403, 200, 200, 200)),
    "api_keys.create_token": Route(
        post=row(LOGIN, 403, 400, 400, 400), attack=form(name="Snikn\u00f8kkel")
    ),
    "api_keys.confirm_revoke": Route(
        at(token_id="key_id"), get=row(LOGIN, 403, (200, 404, 404), 404, 404)
    ),
    "api_keys.revoke_token": Route(
        at(token_id="key_id"), post=row(LOGIN, 403, (302, 404, 404), 404, 404), acts=True
    ),
    "api.index": Route(get=PUBLIC),
    "api.openapi": Route(get=PUBLIC),
    "api.list_rounds": Route(get=API_PAGE),
    "api.show_round": Route(at(round_id="open_round"), get=API_OBJ),
    "api.round_results": Route(at(round_id="open_round"), get=API_OBJ),
    "api.list_units": Route(get=API_PAGE),
    "api.deviation_statistics": Route(get=API_PAGE),
    # deviation reports: public pages (one-time form token) and case handling
    "report.choose": Route(get=PUBLIC),
    "report.new": Route(at(slug="slug"), get=PUBLIC, post=row(400, 400, 400, 400, 400)),
    "report.follow_up": Route(get=PUBLIC, post=row(400, 400, 400, 400, 400)),
    "report.reply": Route(post=row(400, 400, 400, 400, 400)),
    "report.follow_up_at": Route(at(slug="slug"), get=PUBLIC, post=row(400, 400, 400, 400, 400)),
    "report.reply_at": Route(at(slug="slug"), post=row(400, 400, 400, 400, 400)),
    "deviations.cases": Route(get=STAFF_PAGE),
    "deviations.statistics": Route(get=STAFF_PAGE),
    "deviations.show_case": Route(at(case_id="case_a"), get=STAFF_OBJ),
    "deviations.case_handling": Route(at(case_id="case_a"), get=STAFF_OBJ),
    "deviations.case_measures": Route(at(case_id="case_a"), get=STAFF_OBJ),
    "deviations.case_history": Route(at(case_id="case_a"), get=STAFF_OBJ),
    "deviations.update_case": Route(
        at(case_id="case_a"),
        post=row(LOGIN, 404, 400, 400, 404),
        attack=form(status="in_progress", severity="low", handler="", deadline=""),
    ),
    "deviations.add_measure": Route(
        at(case_id="case_a"),
        post=row(LOGIN, 404, 400, 400, 404),
        attack=form(description="Sniktiltak", owner="Noen"),
    ),
    "deviations.mark_measure": Route(
        at(case_id="case_a", measure_id="measure"),
        post=row(LOGIN, 404, 302, 302, 404),
        attack=form(done="y"),
    ),
    "deviations.send_message": Route(
        at(case_id="case_a"),
        post=row(LOGIN, 404, 400, 400, 404),
        attack=form(body="Snikmelding"),
    ),
    "deviations.add_note": Route(
        at(case_id="case_a"), post=row(LOGIN, 404, 400, 400, 404), attack=form(note="Snik")
    ),
    "deviations.close_case": Route(
        at(case_id="case_a"),
        post=row(LOGIN, 404, 400, 400, 404),
        attack=form(evaluation="Lukket av uvedkommende"),
    ),
    "deviations.reopen_case": Route(
        own("case_id", "closed_cases", "closed_case"),
        post=row(LOGIN, 404, 302, 302, 404),
        acts=True,
    ),
    "deviations.redact": Route(
        at(case_id="case_a"),
        # The manager may not read a case's text before the quality group has taken it on.
        post=row(LOGIN, 404, 400, 404, 404),
        attack=form(other="Husmøtet"),
    ),
    "deviations.categories": Route(
        get=CATEGORY_PAGE,
        post=row(LOGIN, 400, 404, 404, 400),
        attack=form(**{"names-nb": "Snikkategori", "active": "y"}),
    ),
    "deviations.edit_category": Route(
        at(category_id="category"),
        get=CATEGORY_OBJ,
        post=row(LOGIN, 400, 404, 404, 404),
        attack=form(**{"names-nb": "Kapret", "active": "y"}),
    ),
    "deviations.move_category": Route(
        at(category_id="category"),
        post=row(LOGIN, 302, 404, 404, 404),
        attack=form(retning="ned"),
        acts=True,
    ),
    # Last: the anonymous visitor joining with the attack form is signed in afterwards. The
    # invitation is to an address without an account, so anyone signed in is someone else.
    "auth.open_invitation": Route(
        at(token="invitation_token"),
        get=row(200, 403, 403, 403, 403),
        post=row(200, 403, 403, 403, 403),
        attack=form(name="Ny Person", new_password="eget-passord-1", confirm="eget-passord-1"),
    ),
}

#: Second looks at some routes: another unit's objects for the manager of unit A, and the
#: approval that only user representatives give.
VARIANTS: dict[str, tuple[str, Route]] = {
    "deviations.show_case [unit B]": (
        "deviations.show_case",
        Route(at(case_id="case_b"), get=row(LOGIN, 404, 200, 404, 404)),
    ),
    "deviations.add_note [unit B]": (
        "deviations.add_note",
        Route(at(case_id="case_b"), post=row(LOGIN, 404, 400, 404, 404), attack=form(note="Snik")),
    ),
    "results.round_results [unit B]": (
        "results.round_results",
        Route(
            lambda w, s: {"round_id": w.open_round, "enhet": w.unit_b},
            get=row(LOGIN, 404, 200, 404, 404),
        ),
    ),
    "deviations.case_handling [unit B]": (
        "deviations.case_handling",
        Route(at(case_id="case_b"), get=row(LOGIN, 404, 200, 404, 404)),
    ),
    "deviations.case_measures [unit B]": (
        "deviations.case_measures",
        Route(at(case_id="case_b"), get=row(LOGIN, 404, 200, 404, 404)),
    ),
    "deviations.case_history [unit B]": (
        "deviations.case_history",
        Route(at(case_id="case_b"), get=row(LOGIN, 404, 200, 404, 404)),
    ),
    "results.questions [unit B]": (
        "results.questions",
        Route(
            lambda w, s: {"round_id": w.open_round, "enhet": w.unit_b},
            get=row(LOGIN, 404, 200, 404, 404),
        ),
    ),
    "results.free_text [unit B]": (
        "results.free_text",
        Route(
            lambda w, s: {"round_id": w.open_round, "enhet": w.unit_b},
            get=row(LOGIN, 404, 200, 404, 404),
        ),
    ),
    "evaluation.answer_point [unit B]": (
        "evaluation.answer_point",
        Route(
            at(round_id="open_round", point_id="point_b"),
            post=row(LOGIN, 404, 400, 404, 404),
            attack=lambda w: {f"svar-{w.point_b}-body": "Snik"},
        ),
    ),
    "api.round_results [unit B]": (
        "api.round_results",
        Route(
            lambda w, s: {"round_id": w.open_round, "unit": w.unit_b},
            get=row(401, 401, 200, 404, 404),
        ),
    ),
    "admin.edit_account [roles in both]": (
        "admin.edit_account",
        Route(
            at(user_id="shared_user"),
            # Both administrators see who it is; neither may change it.
            get=row(LOGIN, 200, 403, 403, 200),
            post=row(LOGIN, 403, 403, 403, 403),
            attack=form(
                **{
                    "account-name": "Kapret",
                    "account-email": "kapret@example.no",
                    "account-active": "y",
                }
            ),
        ),
    ),
    "admin.edit_account [roles in both, deactivate]": (
        "admin.edit_account",
        Route(
            at(user_id="shared_user"),
            post=row(LOGIN, 403, 403, 403, 403),
            attack=form(**{"account-name": "Begge Steder", "account-email": "begge@example.no"}),
        ),
    ),
    "admin.send_password_link [roles in both]": (
        "admin.send_password_link",
        Route(at(user_id="shared_user"), post=row(LOGIN, 403, 403, 403, 403), acts=True),
    ),
    "admin.add_role [roles in both]": (
        "admin.add_role",
        Route(
            at(user_id="shared_user"),
            # A role in one's own organisation, for someone who already holds one there.
            post=row(LOGIN, 200, 403, 403, 200),
            attack=form(**{"role-role": "admin"}),
        ),
    ),
    "admin.remove_role [roles in both]": (
        "admin.remove_role",
        Route(
            at(membership_id="shared_membership"), post=row(LOGIN, 302, 403, 403, 404), acts=True
        ),
    ),
    "designer.change_status [approve]": (
        "designer.change_status",
        Route(
            at(round_id="awaiting_round"),
            # Nothing to approve with (400); the approval itself is sent last, below.
            post=row(LOGIN, 404, (400, 404, 404), 404, 404),
            attack=form(action="approve"),
        ),
    ),
}

#: Public forms protected by a signed one-time token instead of the session's CSRF token.
CSRF_EXEMPT = frozenset(
    {
        "respond.by_link",
        "respond.by_unit_link",
        "respond.code",
        "respond.by_code",
        "respond.kiosk",
        "respond.kiosk_reset",
        "report.new",
        "report.follow_up",
        "report.reply",
        "report.follow_up_at",
        "report.reply_at",
    }
)


def _rule_keys(app: Flask) -> dict[str, Rule]:
    """Every rule but ``static``, by endpoint; an endpoint with several rules gets one key per
    rule, with the rule's arguments: "fieldwork.poster(round_id,unit_id)"."""
    by_endpoint: dict[str, list[Rule]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            by_endpoint.setdefault(rule.endpoint, []).append(rule)
    keys: dict[str, Rule] = {}
    for endpoint, rules in by_endpoint.items():
        for rule in rules:
            arguments = ",".join(sorted(rule.arguments))
            keys[endpoint if len(rules) == 1 else f"{endpoint}({arguments})"] = rule
    return keys


@dataclass(frozen=True)
class Case:
    key: str
    endpoint: str
    route: Route


CASES: dict[str, Case] = {
    **{key: Case(key, key.split("(")[0], route) for key, route in ROUTES.items()},
    **{key: Case(key, endpoint, route) for key, (endpoint, route) in VARIANTS.items()},
}


def _pairs(method: str, *, denied: bool) -> list[Any]:
    params = []
    for case in CASES.values():
        expected = case.route.get if method == "GET" else case.route.post
        if expected is None:
            continue
        for subject in SUBJECTS:
            if (expected[subject] in DENIED) == denied:
                params.append(pytest.param(case.key, subject, id=f"{case.key}|{subject}"))
    return params


# --- the app -----------------------------------------------------------------------------------


@dataclass
class Env:
    app: Flask
    world: World
    rules: dict[str, Rule]
    clients: dict[str, FlaskClient]
    tokens: dict[str, str]
    #: The table dump after the last request known to have changed nothing.
    snapshot: dict[str, set[tuple[str, ...]]] | None = None

    def url(self, case: Case, subject: str) -> str:
        rule = self.rules[case.key] if case.key in self.rules else self.rules[case.endpoint]
        values = case.route.values(self.world, subject)
        built = rule.build(values, append_unknown=True)
        assert built is not None, f"{case.key}: cannot build {rule.rule} from {values}"
        return built[1]

    def send(
        self,
        case: Case,
        subject: str,
        method: str,
        data: dict[str, Any] | None = None,
        client: FlaskClient | None = None,
    ) -> tuple[str, Any, str]:
        url = self.url(case, subject)
        headers = {}
        if case.endpoint.startswith("api.") and subject in self.world.bearer:
            headers["Authorization"] = f"Bearer {self.world.bearer[subject]}"
        client = client or self.clients[subject]
        response = client.open(url, method=method, data=data, headers=headers)
        # Pages and data are read; files (plotly.js, workbooks) are not.
        readable = response.mimetype in ("text/html", "application/json", "text/csv")
        body = response.get_data(as_text=True) if readable else ""
        response.close()
        return url, response, body

    def with_token(self, subject: str, data: dict[str, Any], token: str = "") -> dict[str, Any]:
        """The form with the subject's CSRF token, also under each form prefix it uses."""
        token = token or self.tokens[subject]
        prefixes = {key.rsplit("-", 1)[0] for key in data if "-" in key}
        return {"csrf_token": token, **{f"{p}-csrf_token": token for p in prefixes}, **data}

    def tables(self) -> dict[str, set[tuple[str, ...]]]:
        if self.snapshot is None:
            self.snapshot = dump_tables(self.app)
        return self.snapshot

    def changed(self, before: dict[str, set[tuple[str, ...]]]) -> list[str]:
        """The tables that differ from ``before``; the dump is kept for the next test."""
        after = self.snapshot = dump_tables(self.app)
        return sorted(name for name in after if after[name] != before[name])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, migrated_database: str) -> Iterator[Env]:
    for url in module_database(tmp_path_factory, migrated_database, "authorization"):
        app = build_app(url)
        # The test configuration keeps CSRF on; this module depends on it.
        assert app.config["WTF_CSRF_ENABLED"]
        try:
            with app.app_context():
                world = _build_world()
            clients, tokens = {}, {}
            for subject in SUBJECTS:
                client = app.test_client()
                if subject == ANON:
                    tokens[subject] = csrf_token(client, "/logg-inn")
                else:
                    assert login(client, _email(subject)).status_code == 302
                    tokens[subject] = csrf_token(client, "/")
                clients[subject] = client
            yield Env(app, world, _rule_keys(app), clients, tokens)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


# --- checks ------------------------------------------------------------------------------------


def _check(url: str, response: Any, body: str, expected: Expected, label: str) -> None:
    status = response.status_code
    location = urlsplit(response.headers.get("Location", ""))
    if expected == LOGIN:
        assert status == 302, f"{label}: {status}, expected a redirect to the login page"
        assert location.path == "/logg-inn", f"{label}: redirected to {location.path}"
        assert parse_qs(location.query).get("next") == [url], label
        return
    if expected == SIGN_IN_AGAIN:
        assert status == 302, f"{label}: {status}, expected a redirect to the login page"
        assert location.path == "/logg-inn", f"{label}: redirected to {location.path}"
        return
    assert status == expected, f"{label}: {status}, expected {expected}"
    if 300 <= status < 400:
        assert location.path != "/logg-inn", f"{label}: sent to the login page"


def _check_markers(case: Case, method: str, subject: str, response: Any, body: str) -> None:
    """Organisation 1's names never appear on the other organisation's staff pages."""
    expected = case.route.get if method == "GET" else case.route.post
    assert expected is not None
    if subject != OTHER or response.status_code != 200 or expected[ANON] not in DENIED:
        return
    for marker in MARKERS:
        assert marker not in body, f"{case.key} as {subject} shows {marker!r}"


# --- the tests ---------------------------------------------------------------------------------


def test_every_rule_has_an_entry(env: Env) -> None:
    """A new route must be added to the table; a removed one must leave it."""
    assert sorted(set(env.rules) - set(ROUTES)) == [], "routes missing from the table"
    assert sorted(set(ROUTES) - set(env.rules)) == [], "table entries without a route"
    for key, (endpoint, _route) in VARIANTS.items():
        assert endpoint in env.rules, f"variant {key} names a missing endpoint"
    for key, rule in env.rules.items():
        route = ROUTES[key]
        methods = rule.methods or set()
        assert ("GET" in methods) == (route.get is not None), f"{key}: GET in the table"
        assert ("POST" in methods) == (route.post is not None), f"{key}: POST in the table"
        assert methods <= {"GET", "HEAD", "OPTIONS", "POST"}, f"{key}: {methods}"


@pytest.mark.parametrize("key", list(ROUTES))
def test_other_methods_are_refused(env: Env, key: str) -> None:
    """A rule without GET (or POST) answers 405 to it (unless another rule takes that method
    at the same address, as /avvik/<slug> takes POST /avvik/saker). Routing decides this
    before any view or guard runs, so someone signed out and one person signed in stand for
    everyone."""
    case = CASES[key]
    adapter = env.app.url_map.bind("localhost")
    for method, expected in (("GET", case.route.get), ("POST", case.route.post)):
        if expected is not None:
            continue
        try:
            adapter.match(env.url(case, ANON), method=method)
        except MethodNotAllowed:
            pass
        else:
            continue
        for subject in (ANON, USER_REP):
            data = env.with_token(subject, {}) if method == "POST" else None
            _url, response, _body = env.send(case, subject, method, data)
            assert response.status_code == 405, f"{method} {key} as {subject}"


@pytest.mark.parametrize(("key", "subject"), _pairs("GET", denied=False))
def test_get_allowed(env: Env, key: str, subject: str) -> None:
    case = CASES[key]
    assert case.route.get is not None
    url, response, body = env.send(case, subject, "GET")
    _check(url, response, body, case.route.get[subject], f"GET {key} as {subject}")
    _check_markers(case, "GET", subject, response, body)
    env.snapshot = None


def test_api_ignores_the_session(env: Env) -> None:
    """Signed in, but without a key: the API does not read the cookie."""
    for subject in (*QUALITY, MANAGER, BOTH):
        response = env.clients[subject].get("/api/v1/rounds")
        response.close()
        assert response.status_code == 401, subject


@pytest.mark.parametrize(
    ("key", "subject"), _pairs("GET", denied=False) + _pairs("GET", denied=True)
)
def test_head_answers_as_get(env: Env, key: str, subject: str) -> None:
    """HEAD is GET without the body (RFC 9110, 9.3.2): the same status and redirect for every
    GET rule and person, with the table's sample arguments, and no body."""
    case = CASES[key]
    assert case.route.get is not None
    url, response, _body = env.send(case, subject, "HEAD")
    _check(url, response, "", case.route.get[subject], f"HEAD {key} as {subject}")
    assert response.get_data() == b"", f"HEAD {key} as {subject} sent a body"
    env.snapshot = None


@pytest.mark.parametrize(("key", "subject"), _pairs("GET", denied=True))
def test_get_denied(env: Env, key: str, subject: str) -> None:
    case = CASES[key]
    assert case.route.get is not None
    url, response, body = env.send(case, subject, "GET")
    _check(url, response, body, case.route.get[subject], f"GET {key} as {subject}")
    env.snapshot = None


@pytest.mark.parametrize(("key", "subject"), _pairs("POST", denied=True))
def test_post_denied(env: Env, key: str, subject: str) -> None:
    """A valid CSRF token and a form that would change something: the role check alone must
    stop it, and nothing may change."""
    case = CASES[key]
    assert case.route.post is not None
    before = env.tables()
    data = env.with_token(subject, case.route.attack(env.world))
    url, response, body = env.send(case, subject, "POST", data)
    changed = env.changed(before)
    label = f"POST {key} as {subject}"
    _check(url, response, body, case.route.post[subject], label)
    assert not changed, f"{label} changed {changed}"


def _csrf_cases() -> list[Any]:
    params = []
    for case in CASES.values():
        if case.route.post is None or case.endpoint in CSRF_EXEMPT:
            continue
        # Where no one is allowed, the administrator (the CSRF check comes before any other).
        allowed = [s for s in SUBJECTS if case.route.post[s] not in DENIED] or [ADMIN]
        # Someone signed in, where anyone is (a forged sign-out), but a forged sign-in.
        signed_in = [s for s in allowed if s != ANON]
        subject = signed_in[0] if signed_in and case.key != "auth.login" else allowed[0]
        params.append(pytest.param(case.key, subject, id=f"{case.key}|{subject}"))
    return params


@pytest.mark.parametrize(("key", "subject"), _csrf_cases())
def test_post_without_csrf_token(env: Env, key: str, subject: str) -> None:
    """Someone allowed, with the form that would change something, but no CSRF token: the
    "form had expired" page, and nothing changes."""
    case = CASES[key]
    before = env.tables()
    data = {**case.route.attack(env.world), **case.route.allowed(env.world)}
    _url, response, body = env.send(case, subject, "POST", data)
    changed = env.changed(before)
    label = f"POST {key} as {subject} without CSRF token"
    assert response.status_code == 400, f"{label}: {response.status_code}"
    with env.app.test_request_context():
        title = str(escape(str(CSRF_MESSAGE[0])))
    assert title in body, f"{label}: not the expired-form page"
    assert not changed, f"{label} changed {changed}"


@pytest.mark.parametrize(("key", "subject"), _pairs("POST", denied=False))
def test_post_allowed(env: Env, key: str, subject: str) -> None:
    """Those allowed get past the guard: the form's own answer (re-shown with problems, or
    done), never a denial. Last in the module, since some of these change things."""
    case = CASES[key]
    assert case.route.post is not None
    client, token = env.clients[subject], ""
    if case.endpoint == "auth.logout":
        # Signing out would end the subject's shared session: use a session of its own.
        client = env.app.test_client()
        if subject != ANON:
            login(client, _email(subject))
        token = csrf_token(client, "/logg-inn" if subject == ANON else "/")
    data = env.with_token(subject, case.route.allowed(env.world), token)
    before = env.tables() if case.route.acts else None
    url, response, body = env.send(case, subject, "POST", data, client=client)
    env.snapshot = None
    _check(url, response, body, case.route.post[subject], f"POST {key} as {subject}")
    _check_markers(case, "POST", subject, response, body)
    if before is not None:
        assert env.changed(before), f"POST {key} as {subject} changed nothing"
    if case.endpoint == "auth.logout":
        after = client.get("/konto/passord")
        after.close()
        assert after.headers.get("Location", "").startswith("/logg-inn"), "still signed in"


# --- public forms: a signed one-time token instead of the CSRF token -----------------------------

SKJEMA = re.compile(r'name="skjema"(?: type="hidden")? value="([^"]+)"')


def _report(w: World) -> dict[str, str]:
    return {
        "sprak": "nb",
        "reporter_kind": "service_user",
        "unit": str(w.unit_a),
        "event_date": (today() - timedelta(days=2)).strftime("%d.%m.%Y"),
        "category": str(w.category),
        "description": "Husmøtet ble avlyst.",
        "suggestion": "",
        "reporter_name": "",
        "reporter_contact": "",
    }


@dataclass(frozen=True)
class PublicForm:
    #: A complete form, but for its token.
    fields: Form
    #: The request whose page carries a genuine token: method, address, form.
    token_page: Callable[[World], tuple[str, str, dict[str, str]]]
    #: The status without a token, with a forged one, and with the genuine one.
    missing: int
    forged: int
    genuine: int


def _get(path: str) -> Callable[[World], tuple[str, str, dict[str, str]]]:
    return lambda w: ("GET", path.format(w=w), {})


PUBLIC_FORMS: dict[str, PublicForm] = {
    "respond.by_link": PublicForm(
        lambda w: {"q-listened": "4", "enhet": str(w.unit_a)},
        _get("/s/{w.public_token}"),
        missing=303,  # to the first page's address, nothing read
        forged=400,
        genuine=303,
    ),
    "respond.by_unit_link": PublicForm(
        form(**{"q-listened": "4"}),
        _get("/s/{w.public_token}/{w.unit_a}"),
        missing=303,
        forged=400,
        genuine=303,
    ),
    "respond.kiosk": PublicForm(
        form(**{"q-listened": "4"}),
        _get("/kiosk/{w.kiosk_key}"),
        missing=303,
        forged=303,  # back to the kiosk's first page
        genuine=303,
    ),
    "respond.by_code": PublicForm(
        lambda w: {"kode": w.access_code, "q-listened": "4"},
        lambda w: ("POST", "/kode", {"kode": w.access_code}),
        missing=303,  # back to /kode: the page flow starts there
        forged=400,
        genuine=303,
    ),
    "report.new": PublicForm(
        _report, _get("/avvik/{w.slug}"), missing=400, forged=400, genuine=200
    ),
    "report.reply": PublicForm(
        lambda w: {"kode": w.receipt_a, "body": "Takk for svaret.", "sprak": "nb"},
        lambda w: ("POST", "/avvik/oppfolging", {"kode": w.receipt_a, "sprak": "nb"}),
        missing=400,
        forged=400,
        genuine=200,
    ),
    "report.reply_at": PublicForm(
        lambda w: {"kode": w.receipt_a, "body": "Takk for svaret.", "sprak": "nb"},
        lambda w: ("POST", f"/avvik/{w.slug}/oppfolging", {"kode": w.receipt_a, "sprak": "nb"}),
        missing=400,
        forged=400,
        genuine=200,
    ),
}


def test_public_forms_are_all_listed() -> None:
    """The CSRF-exempt forms that store something are the ones checked below; the others
    (entering a code, a kiosk reset, looking a case up) store nothing a forged request could
    use."""
    assert set(PUBLIC_FORMS) <= CSRF_EXEMPT
    assert CSRF_EXEMPT - set(PUBLIC_FORMS) == {
        "respond.code",
        "respond.kiosk_reset",
        "report.follow_up",
        "report.follow_up_at",
    }


@pytest.mark.parametrize("key", list(PUBLIC_FORMS))
def test_public_form_needs_its_one_time_token(env: Env, key: str) -> None:
    """Without the form's signed token, or with a forged one, nothing is stored; the genuine
    token (fetched like a browser would) stores the same form, so the form was complete."""
    public = PUBLIC_FORMS[key]
    client = env.app.test_client(use_cookies=False)
    url = env.url(CASES[key], ANON)
    fields = public.fields(env.world)
    env.snapshot = None
    for token, expected in ((None, public.missing), ("forfalsket", public.forged)):
        before = env.tables()
        data = fields if token is None else {**fields, "skjema": token}
        response = client.post(url, data=data)
        response.close()
        changed = env.changed(before)
        label = f"POST {key} with token {token}"
        assert response.status_code == expected, f"{label}: {response.status_code}"
        assert not changed, f"{label} changed {changed}"
    method, page, page_data = public.token_page(env.world)
    opened = client.open(page, method=method, data=page_data, follow_redirects=True)
    found = SKJEMA.search(opened.get_data(as_text=True))
    assert found, f"no one-time token on {page}"
    env.snapshot = None  # fetching the token page may have written something
    before = env.tables()
    response = client.post(url, data={**fields, "skjema": found.group(1)})
    response.close()
    assert env.changed(before), f"{key}: the genuine form stored nothing"
    assert response.status_code == public.genuine, f"{key}: {response.status_code}"


# --- last: the forms above were real ------------------------------------------------------------

#: Forms that change the session rather than the database.
SESSION_ONLY = frozenset({"main.choose_organisation"})


def _attack_cases() -> list[Any]:
    params = []
    for case in CASES.values():
        if case.route.post is None or case.route.attack is NOTHING or case.key in SESSION_ONLY:
            continue
        subject = next((s for s in SUBJECTS if case.route.post[s] not in DENIED), None)
        if subject is None:
            continue  # no one may: the denied tests showed nothing changed
        params.append(pytest.param(case.key, subject, id=f"{case.key}|{subject}"))
    return params


@pytest.mark.parametrize(("key", "subject"), _attack_cases())
def test_attack_forms_change_something_when_allowed(env: Env, key: str, subject: str) -> None:
    """The "nothing changed" checks above have teeth: the same form, with a CSRF token, from
    someone allowed does change the database."""
    case = CASES[key]
    before = env.tables()
    data = env.with_token(subject, case.route.attack(env.world))
    _url, response, _body = env.send(case, subject, "POST", data)
    assert env.changed(before), f"{key} as {subject}: {response.status_code}"
