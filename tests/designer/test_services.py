"""Approval rule, lifecycle, locking, scheduling and editing rules of the designer services."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback.designer import approval, editing, lifecycle, review, schedule, services
from feedback.extensions import db
from feedback.models import AuditEvent, Organisation, Response, SurveyRound, User
from feedback.models.base import today as local_today
from tests import factories
from tests.world import document, likert


@pytest.fixture
def setup(app: Flask) -> Iterator[dict[str, object]]:
    with app.test_request_context(headers={"Cookie": "sprak=en"}):
        org = factories.organisation("Fjordvik kommune")
        reps = [factories.user(org=org, role="quality", name=f"Rep {i}") for i in range(3)]
        professional = factories.user(org=org, role="quality", representation="professional")
        yes_no = {
            "key": "plan",
            "type": "yes_no",
            "text": {"nb": "Har du en plan?"},
            "required": False,
            "dont_know": False,
        }
        round_ = services.create_round(
            org,
            reps[0],
            document(
                [yes_no, likert("with", condition={"question": "plan", "value": "yes"})],
                [likert("respect")],
            ),
            source="test",
        )
        db.session.commit()
        yield {"org": org, "reps": reps, "professional": professional, "round": round_}


def _round(setup: dict[str, object]) -> SurveyRound:
    round_ = setup["round"]
    assert isinstance(round_, SurveyRound)
    return round_


def _reps(setup: dict[str, object]) -> list[User]:
    reps = setup["reps"]
    assert isinstance(reps, list)
    return reps


def actions(round_: SurveyRound) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.target == f"survey_round:{round_.id}")
            .order_by(AuditEvent.id)
        )
    )


def test_majority_of_user_representatives_opens_the_round(setup: dict[str, object]) -> None:
    round_, reps = _round(setup), _reps(setup)
    lifecycle.submit_for_approval(round_, reps[0])
    state = approval.approval_state(round_)
    assert (len(state.representatives), state.needed, state.met) == (3, 2, False)
    lifecycle.approve(round_, reps[0])
    lifecycle.approve(round_, reps[0])  # a double click counts once
    assert round_.status == "awaiting_approval"
    assert len(round_.approvals) == 1
    lifecycle.approve(round_, reps[1])
    assert round_.status == "open"
    assert round_.opened_at is not None
    assert actions(round_) == [
        "round.create",
        "round.submit",
        "round.approve",
        "round.approve",
        "round.open",
    ]


def test_professionals_do_not_approve(setup: dict[str, object]) -> None:
    round_ = _round(setup)
    lifecycle.submit_for_approval(round_, None)
    professional = setup["professional"]
    assert isinstance(professional, User)
    with pytest.raises(services.DesignerError, match="user representatives"):
        lifecycle.approve(round_, professional)


@pytest.mark.parametrize(
    ("rule", "count", "approvals_to_open"),
    [("majority", 2, 2), ("all", 2, 3), ("count", 1, 1), ("count", 3, 3)],
)
def test_approval_rules(
    setup: dict[str, object], rule: str, count: int, approvals_to_open: int
) -> None:
    org = setup["org"]
    assert isinstance(org, Organisation)
    org.approval_rule, org.approval_count = rule, count
    round_, reps = _round(setup), _reps(setup)
    lifecycle.submit_for_approval(round_, None)
    for n, rep in enumerate(reps, start=1):
        lifecycle.approve(round_, rep)
        assert (round_.status == "open") == (n >= approvals_to_open), (rule, n)
        if round_.status == "open":
            break


def test_rule_that_cannot_be_met_never_opens(setup: dict[str, object]) -> None:
    org = setup["org"]
    assert isinstance(org, Organisation)
    org.approval_rule, org.approval_count = "count", 4
    round_, reps = _round(setup), _reps(setup)
    lifecycle.submit_for_approval(round_, None)
    for rep in reps:
        lifecycle.approve(round_, rep)
    state = approval.approval_state(round_)
    assert (state.met, state.possible, round_.status) == (False, False, "awaiting_approval")
    with pytest.raises(services.DesignerError):
        lifecycle.open_now(round_, None)


def test_an_edit_after_approval_resets_every_approval(setup: dict[str, object]) -> None:
    round_, reps = _round(setup), _reps(setup)
    lifecycle.submit_for_approval(round_, None)
    lifecycle.approve(round_, reps[0])
    page = round_.pages[1]
    editing.update_page(page, reps[2], {"nb": "Respekt"})
    assert round_.approvals == []
    assert "round.approvals_reset" in actions(round_)
    reset = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "round.approvals_reset")
    )
    assert reset is not None and reset.details["approved_by"] == ["Rep 0"]


def test_an_open_round_that_changes_goes_back_for_approval(setup: dict[str, object]) -> None:
    round_, reps = _round(setup), _reps(setup)
    lifecycle.submit_for_approval(round_, None)
    lifecycle.approve(round_, reps[0])
    lifecycle.approve(round_, reps[1])
    assert round_.status == "open"
    question = round_.questions[2]
    editing.update_question(question, reps[0], {"type": "likert", "text": {"nb": "Ny tekst"}})
    assert round_.status == "awaiting_approval"
    assert round_.approvals == []


def test_questions_lock_at_the_first_response(setup: dict[str, object]) -> None:
    round_, reps = _round(setup), _reps(setup)
    lifecycle.submit_for_approval(round_, None)
    lifecycle.approve(round_, reps[0])
    lifecycle.approve(round_, reps[1])
    assert not services.is_locked(round_)
    db.session.add(
        Response(
            id=uuid.uuid4().hex,
            round_id=round_.id,
            channel="link",
            submitted_on=local_today(),
        )
    )
    db.session.flush()
    assert services.is_locked(round_)
    with pytest.raises(services.DesignerError, match="locked"):
        editing.add_page(round_, reps[0], {})
    with pytest.raises(services.DesignerError, match="locked"):
        editing.delete_question(round_.questions[2], reps[0])
    services.update_settings(  # dates are not questions: they may still change
        round_,
        reps[0],
        title=round_.title,
        intro=round_.intro,
        thanks=round_.thanks,
        opens_on=None,
        closes_on=local_today() + timedelta(days=30),
    )
    assert round_.status == "open"


def test_lifecycle_order_is_enforced(setup: dict[str, object]) -> None:
    round_ = _round(setup)
    with pytest.raises(services.DesignerError):
        lifecycle.close(round_, None)
    with pytest.raises(services.DesignerError):
        lifecycle.archive(round_, None)
    with pytest.raises(services.DesignerError):
        lifecycle.approve(round_, _reps(setup)[0])
    lifecycle.submit_for_approval(round_, None)
    with pytest.raises(services.DesignerError):
        lifecycle.submit_for_approval(round_, None)
    lifecycle.back_to_draft(round_, None)
    assert round_.status == "draft"


def test_dates_open_and_close_rounds_by_themselves(setup: dict[str, object]) -> None:
    round_, reps = _round(setup), _reps(setup)
    today = local_today()
    round_.opens_on = today + timedelta(days=2)
    round_.closes_on = today + timedelta(days=9)
    lifecycle.submit_for_approval(round_, None)
    lifecycle.approve(round_, reps[0])
    lifecycle.approve(round_, reps[1])
    assert round_.status == "awaiting_approval"  # approved, waiting for its date
    assert schedule.apply_schedule(None, today + timedelta(days=1)) == 0
    assert schedule.apply_schedule(None, today + timedelta(days=2)) == 1
    assert round_.status == "open"
    assert schedule.apply_schedule(None, today + timedelta(days=9)) == 0
    assert schedule.apply_schedule(None, today + timedelta(days=10)) == 1
    assert round_.status == "closed"
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.in_(["round.open", "round.close"]))
    ).all()
    assert [(e.action, e.actor_id, e.details["scheduled"]) for e in events] == [
        ("round.open", None, True),
        ("round.close", None, True),
    ]


def test_unapproved_round_does_not_open_on_its_date(setup: dict[str, object]) -> None:
    round_ = _round(setup)
    round_.opens_on = local_today()
    lifecycle.submit_for_approval(round_, None)
    assert schedule.apply_schedule(None) == 0
    assert round_.status == "awaiting_approval"


def test_new_round_copies_unchanged_and_marks_comparable(setup: dict[str, object]) -> None:
    from feedback.questionnaire import document as doc

    round_ = _round(setup)
    copy = services.new_round(round_, None)
    assert (copy.number, copy.status, copy.previous_id) == (2, "draft", round_.id)
    assert doc.export_round(copy) == doc.export_round(round_)
    assert all(q.comparable and q.previous is not None for q in copy.questions)
    assert [q.previous.key for q in copy.questions if q.previous] == [
        q.key for q in round_.questions
    ]
    changed = copy.questions[2]
    assert not review.changed_since_previous(changed)
    editing.update_question(
        changed, None, {"type": "likert", "text": {"nb": "Annerledes"}}, comparable=False
    )
    assert review.changed_since_previous(changed)
    assert changed.comparable is False


def test_moves_that_break_a_condition_are_refused(setup: dict[str, object]) -> None:
    round_ = _round(setup)
    dependent = round_.questions[1]
    with pytest.raises(services.DesignerError, match="before the question its condition"):
        editing.move_question(dependent, None, -1)
    db.session.rollback()
    round_ = db.session.get(SurveyRound, round_.id)
    assert round_ is not None
    assert [q.key for q in round_.questions] == ["plan", "with", "respect"]
    editing.move_question(round_.questions[2], None, -1)  # respect moves to the end of page 1
    assert [q.key for q in round_.questions] == ["plan", "with", "respect"]
    assert len(round_.pages[0].questions) == 3


def test_deleting_what_a_condition_needs_is_refused(setup: dict[str, object]) -> None:
    round_ = _round(setup)
    with pytest.raises(services.DesignerError, match="“with”"):
        editing.delete_question(round_.questions[0], None)
    page = round_.pages[1]

    def choice(*values: str) -> dict[str, object]:
        return {
            "type": "single_choice",
            "text": {"nb": "Hvor ofte?"},
            "options": [{"value": v, "label": {"nb": v.upper()}} for v in values],
        }

    often = editing.add_question(page, None, choice("a", "b"))
    editing.add_question(page, None, likert("x", condition={"question": often.key, "value": "b"}))
    with pytest.raises(services.DesignerError, match="answer “b”"):
        editing.update_question(often, None, choice("a", "c"))
    editing.update_question(often, None, choice("a", "b", "c"))
    assert [o.value for o in often.options] == ["a", "b", "c"]
    editing.delete_question(round_.questions[1], None)
    editing.delete_question(round_.questions[0], None)
    assert [q.key for q in round_.questions][0] == "respect"
