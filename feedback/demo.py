"""A realistic demo organisation with one account per role. Loading it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from feedback.auth.services import hash_password
from feedback.extensions import db
from feedback.models import Membership, Organisation, SurveyRound, SurveySeries, Unit, User

DEMO_PASSWORD = "demo-passord"  # noqa: S105 - the documented demo password
DEMO_SLUG = "fjordvik"

#: (name, kind, parent name)
UNITS = (
    ("Psykisk helse og rus", "service_area", None),
    ("Solsiden bofellesskap", "housing", "Psykisk helse og rus"),
    ("Møteplassen aktivitetssenter", "activity_centre", "Psykisk helse og rus"),
    ("ACT-teamet", "act_team", "Psykisk helse og rus"),
    ("Rusteamet", "substance_team", "Psykisk helse og rus"),
    ("Lavterskeltilbudet Døra", "outpatient", "Rusteamet"),
)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    representation: str | None = None
    units: tuple[str, ...] = ()


ACCOUNTS = (
    DemoAccount("admin@example.no", "Ada Administrator", "admin"),
    DemoAccount("kvalitet@example.no", "Kari Brukerrepresentant", "quality", "user_rep"),
    DemoAccount("bruker2@example.no", "Bjørn Brukerrepresentant", "quality", "user_rep"),
    DemoAccount("paarorende@example.no", "Per Pårørenderepresentant", "quality", "relative_rep"),
    DemoAccount("fag@example.no", "Fatima Fagperson", "quality", "professional"),
    DemoAccount(
        "leder@example.no",
        "Lars Leder",
        "manager",
        units=("Solsiden bofellesskap", "Møteplassen aktivitetssenter"),
    ),
)


def load_demo() -> Organisation:
    """Create or complete the demo organisation, its units and accounts."""
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.slug == DEMO_SLUG))
    if organisation is None:
        organisation = Organisation(name="Fjordvik kommune", slug=DEMO_SLUG)
        db.session.add(organisation)
        db.session.flush()
    units = {u.name: u for u in organisation.units}
    for name, kind, parent in UNITS:
        if name not in units:
            units[name] = Unit(organisation=organisation, name=name, kind=kind)
            db.session.add(units[name])
        units[name].parent = units[parent] if parent else None
    db.session.flush()
    password_hash = None
    for account in ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.email == account.email))
        if user is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user = User(email=account.email, name=account.name, password_hash=password_hash)
            db.session.add(user)
            db.session.flush()
        membership = db.session.scalar(
            sa.select(Membership).where(
                Membership.user_id == user.id,
                Membership.organisation_id == organisation.id,
                Membership.role == account.role,
            )
        )
        if membership is None:
            membership = Membership(user=user, organisation=organisation, role=account.role)
            db.session.add(membership)
        membership.representation = account.representation
        membership.units = [units[name] for name in account.units]
    db.session.flush()
    _demo_questionnaires(organisation)
    return organisation


def _demo_questionnaires(organisation: Organisation) -> None:
    """The built-in user survey, approved by the user representatives and open; the
    recovery questionnaire as a draft. Only when the organisation has none yet."""
    from feedback.designer import services
    from feedback.designer.library import builtin_templates

    if db.session.scalar(
        sa.select(SurveySeries.id).where(SurveySeries.organisation_id == organisation.id)
    ):
        return
    templates = {t.name: t.document for t in builtin_templates()}
    survey = services.create_round(organisation, None, templates["user-survey"], source="demo")
    services.submit_for_approval(survey, None)
    for representative in services.user_representatives(organisation):
        if survey.status == "awaiting_approval":
            services.approve(survey, representative)
    services.create_round(organisation, None, templates["recovery"], source="demo")
    if survey.status == "open":
        _demo_responses(survey)


#: Short free-text answers for the demo, the kind the quality group reads.
DEMO_TEXTS = (
    "Fint å ha noen å snakke med.",
    "Mer aktiviteter i helgene.",
    "Ventetiden er for lang.",
    "Personalet er hyggelige.",
)


def _demo_responses(survey: SurveyRound) -> None:
    """Sixty made-up responses spread over units and channels, the same on every machine."""
    import secrets
    from random import Random

    from feedback import answering
    from feedback.designer import document as doc
    from feedback.respond import services as respond

    rng = Random(2026)  # noqa: S311 - made-up demo data, the same on every machine
    units = sorted(survey.series.organisation.units, key=lambda u: u.name)
    channels = ("unit_link", "unit_link", "link", "kiosk", "paper", "code")
    for _ in range(60):
        answers: answering.Answers = {}
        for question in survey.questions:
            if not answering.is_shown(question, answers) or rng.random() < 0.08:
                continue
            if question.kind in doc.TEXT_KINDS:
                if rng.random() < 0.3:
                    answers[question.key] = [rng.choice(DEMO_TEXTS)]
                continue
            if question.kind == "number":
                low, high = question.min_value or 0, question.max_value or 100
                answers[question.key] = [str(rng.randint(low, min(high, low + 60)))]
                continue
            values = [v for v, _ in answering.choices(question)]
            # Answers lean towards the positive end, as real surveys often do.
            weights = [1 + i for i in range(len(values))]
            picked = rng.choices(values, weights=weights)[0]
            if question.kind == "multiple_choice":
                answers[question.key] = sorted({picked, rng.choice(values)})
            else:
                answers[question.key] = [picked]
        respond.store(
            survey,
            answers,
            unit=rng.choice(units) if units else None,
            channel=rng.choice(channels),
            nonce=secrets.token_hex(16),
        )
