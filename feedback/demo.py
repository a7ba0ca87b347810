"""A realistic demo organisation with one account per role. Loading it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from feedback.auth.services import hash_password
from feedback.extensions import db
from feedback.models import Membership, Organisation, SurveyRound, SurveySeries, Unit, User
from feedback.models.base import today

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


#: (days ago, category position, unit name or None, kind, status, severity, description)
DEMO_DEVIATIONS = (
    (
        3,
        0,
        "Solsiden bofellesskap",
        "service_user",
        "received",
        None,
        "Husmøtet ble avlyst igjen uten at noen sa fra. Vi fikk ikke si vår mening om nye regler.",
    ),
    (
        9,
        6,
        "Møteplassen aktivitetssenter",
        "employee",
        "in_progress",
        "high",
        "En besøkende truet en annen med kniv ved inngangen. Det var bare én ansatt på jobb.",
    ),
    (
        20,
        4,
        "Solsiden bofellesskap",
        "relative",
        "in_progress",
        "medium",
        "Min sønn fikk feil dose av medisinen sin to dager på rad. Ring meg gjerne på 912 34 567.",
    ),
    (
        34,
        3,
        "ACT-teamet",
        "service_user",
        "measures_taken",
        "medium",
        "Journalen min ble lest høyt på et møte der andre brukere var til stede.",
    ),
    (
        47,
        7,
        "Lavterskeltilbudet Døra",
        "other",
        "closed",
        "low",
        "Rampen ved inngangen er for bratt for rullestol.",
    ),
    (
        75,
        1,
        "Rusteamet",
        "service_user",
        "closed",
        "medium",
        "Jeg ventet i seks uker på svar etter at jeg ba om hjelp.",
    ),
    (
        110,
        2,
        "Solsiden bofellesskap",
        "service_user",
        "closed",
        "high",
        "Døren til rommet mitt ble låst om natten uten vedtak.",
    ),
    (
        140,
        5,
        "Møteplassen aktivitetssenter",
        "employee",
        "closed",
        "low",
        "Nødutgangen var sperret av møbler.",
    ),
    (
        200,
        0,
        None,
        "relative",
        "closed",
        "low",
        "Pårørende blir ikke invitert til samarbeidsmøter.",
    ),
    (
        260,
        8,
        "ACT-teamet",
        "service_user",
        "closed",
        "medium",
        "Telefonen til teamet er ikke betjent i lunsjen.",
    ),
)


def load_demo() -> Organisation:
    """Create or complete the demo organisation, its units and accounts."""
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.slug == DEMO_SLUG))
    if organisation is None:
        # Policy off so the demo sign-in stays one step (README); real organisations get it on.
        organisation = Organisation(
            name="Fjordvik kommune", slug=DEMO_SLUG, require_second_factor=False
        )
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
    _demo_deviations(organisation)
    return organisation


def _demo_questionnaires(organisation: Organisation) -> None:
    """The built-in user survey run twice: round 1 closed, with the group's evaluation and
    action plan, and round 2 open; the recovery questionnaire as a draft. Only when the
    organisation has none yet."""
    from feedback.designer import lifecycle, services
    from feedback.designer.library import builtin_templates
    from feedback.results import publish

    if db.session.scalar(
        sa.select(SurveySeries.id).where(SurveySeries.organisation_id == organisation.id)
    ):
        return
    templates = {t.name: t.document for t in builtin_templates()}
    first = services.create_round(organisation, None, templates["user-survey"], source="demo")
    if _open_demo_round(first):
        _demo_responses(first, 150, seed=2025, lean=1.0)
        lifecycle.close(first, None)
        publish.publish(first.id, force=True)  # a closed round's final state
        _demo_evaluation(organisation, first)
        second = services.new_round(first, None)
        if _open_demo_round(second):
            _demo_responses(second, 120, seed=2026, lean=1.6)
            # The demo's answers are made up: readers see them at once.
            publish.publish(second.id, force=True)
    services.create_round(organisation, None, templates["recovery"], source="demo")


def _open_demo_round(survey: SurveyRound) -> bool:
    """Submit the round and let the demo user representatives approve it; True once open."""
    from feedback.designer import lifecycle
    from feedback.designer.approval import user_representatives

    lifecycle.submit_for_approval(survey, None)
    for representative in user_representatives(survey.series.organisation):
        if survey.status == "awaiting_approval":
            lifecycle.approve(survey, representative)
    return bool(survey.status == "open")


def _demo_evaluation(organisation: Organisation, survey: SurveyRound) -> None:
    """The group's evaluation of round 1 with three action points, two of them published."""
    from datetime import timedelta

    from feedback.models import ActionPoint, Evaluation

    units = {u.name: u for u in organisation.units}
    owner = db.session.scalar(sa.select(User).where(User.email == "leder@example.no"))
    db.session.add(
        Evaluation(
            round_id=survey.id,
            assessment="De fleste er fornøyde med hvordan de blir møtt. Færre opplever at de "
            "får være med på å bestemme, og ventetiden trekker ned.",
            public_summary="Takk til alle som svarte! De fleste av dere sier at dere blir møtt "
            "med respekt. Mange vil ha mer å si om sin egen hjelp, og flere sier at det tar "
            "for lang tid å få svar.",
            published=True,
            texts_released=True,
        )
    )
    current = today()
    for title, unit, days, status, published in (
        ("Brukermøte hver måned på Solsiden", "Solsiden bofellesskap", 60, "in_progress", True),
        ("Svar på henvendelser innen tre dager", "Rusteamet", -10, "planned", True),
        ("Kurs i samvalg for ansatte", None, 120, "planned", False),
    ):
        db.session.add(
            ActionPoint(
                round_id=survey.id,
                title=title,
                unit=units.get(unit) if unit else None,
                owner=owner,
                due_on=current + timedelta(days=days),
                status=status,
                published=published,
            )
        )
    db.session.flush()


#: Short free-text answers for the demo, the kind the quality group reads.
DEMO_TEXTS = (
    "Fint å ha noen å snakke med.",
    "Mer aktiviteter i helgene.",
    "Ventetiden er for lang.",
    "Personalet er hyggelige.",
)


def _demo_responses(survey: SurveyRound, count: int, *, seed: int, lean: float) -> None:
    """Made-up responses spread over units and channels, the same on every machine; a larger
    ``lean`` tilts answers further towards the positive end."""
    import secrets
    from random import Random

    from feedback.questionnaire import runtime
    from feedback.questionnaire.registry import question_type
    from feedback.respond import services as respond

    rng = Random(seed)  # noqa: S311 - made-up demo data, the same on every machine
    units = sorted(survey.series.organisation.units, key=lambda u: u.name)
    channels = ("unit_link", "unit_link", "link", "kiosk", "paper", "code")
    # Each response is stored and committed on its own, as a respondent's is. Nothing else
    # changes the round meanwhile, so its pages, questions and options are kept in the session
    # rather than loaded again after every commit (most of the demo's time otherwise).
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        for _ in range(count):
            answers: runtime.Answers = {}
            for question in survey.questions:
                if not runtime.is_shown(question, answers) or rng.random() < 0.08:
                    continue
                # Answers lean towards the positive end, as real surveys often do.
                answer = question_type(question).demo_answer(question, rng, lean, DEMO_TEXTS)
                if answer is not None:
                    answers[question.key] = answer
            respond.store(
                survey,
                answers,
                unit=rng.choice(units) if units else None,
                channel=rng.choice(channels),
                nonce=secrets.token_hex(16),
            )
            session.commit()
    finally:
        session.expire_on_commit = expire_on_commit
        session.expire_all()


def _demo_deviations(organisation: Organisation) -> None:
    """Ten made-up cases over the last nine months, in every status, with measures and a
    thread. Only when the organisation has no cases yet."""
    import secrets
    from datetime import timedelta

    from feedback.deviations import categories, receiving
    from feedback.models import Deviation, DeviationMeasure
    from feedback.models.base import today

    if not categories.categories(organisation, active_only=False):
        categories.add_default_categories(organisation)
        db.session.flush()
    if db.session.scalar(
        sa.select(Deviation.id).where(Deviation.organisation_id == organisation.id)
    ):
        return
    cats = categories.categories(organisation, active_only=False)
    units = {u.name: u for u in organisation.units}
    handler = db.session.scalar(sa.select(User).where(User.email == "kvalitet@example.no"))
    for days, category, unit, kind, status, severity, text in DEMO_DEVIATIONS:
        received = today() - timedelta(days=days)
        report = receiving.NewReport(
            kind, units.get(unit) if unit else None, received, cats[category], text
        )
        case, _code = receiving.submit(organisation, report, secrets.token_hex(16))
        case.received_on = received
        case.event_date = received - timedelta(days=1)
        case.deadline = received + timedelta(days=14)
        case.status, case.severity = ("received" if status == "closed" else status), severity
        if status != "received":
            case.handler = handler
        if status in ("measures_taken", "closed"):
            case.measures.append(
                DeviationMeasure(
                    description="Rutinen er gjennomgått med alle ansatte på personalmøtet.",
                    owner="Leder for tjenestestedet",
                    due=received + timedelta(days=10),
                    done=True,
                    done_on=received + timedelta(days=9),
                )
            )
        if status == "closed":
            case.status = "closed"
            case.closed_on = received + timedelta(days=5 + days % 17)
            case.closing_evaluation = "Tiltaket virker. Vi følger med på det i kvalitetsgruppen."
    db.session.flush()
