"""Questionnaires: series, rounds, pages, questions, options, approvals, templates, responses.

Texts shown to respondents are stored as ``{"nb": …, "nn": …, "en": …}`` dicts (LocalText):
bokmål is required, the others optional and filled in from bokmål when shown.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.models.base import Base, in_list, utcnow
from feedback.models.organisation import Organisation, Unit
from feedback.models.user import User

#: Languages a questionnaire text can have; bokmål first and required.
TEXT_LANGUAGES = ("nb", "nn", "en")

ROUND_STATUSES = ("draft", "awaiting_approval", "open", "closed", "archived")

#: Every question type's kind (feedback.questionnaire.types; a test keeps the two the same).
QUESTION_KINDS = (
    "likert",
    "smiley",
    "single_choice",
    "multiple_choice",
    "yes_no",
    "text_short",
    "text_long",
    "number",
    "scale",
    "date",
)

#: The stored value of a "don't know / not applicable" answer (Answer.value, the tallies).
DONT_KNOW = "dont_know"
#: The unit question's form value for "I would rather not say" (no unit), on the questionnaire
#: and the report form, and in a draft's ``unit``. (Tallies store no unit as results.NO_UNIT.)
NO_UNIT_CHOICE = "ingen"

#: How a response came in (docs/design.md "channels").
CHANNELS = ("link", "unit_link", "kiosk", "code", "paper")

#: SQLite keeps a hidden, growing rowid that would tell the order rows came in; these anonymous
#: tables are stored by their random key instead.
NO_ROWID = {"sqlite_with_rowid": False}

#: Letters for tokens people may type from paper: no 0/o, 1/l/i look-alikes.
TYPABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def random_token(length: int, alphabet: str = TYPABLE) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_public_token() -> str:
    """The unguessable part of a round's public link (about 59 bits)."""
    return random_token(12)


class LocalText(sa.TypeDecorator[dict[str, str]]):
    """A text in up to three languages, as JSON; blank translations are dropped."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, str] | None, dialect: sa.Dialect) -> Any:
        return clean_text(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dict[str, str]:
        return clean_text(value)


def clean_text(value: dict[str, Any] | None) -> dict[str, str]:
    """Only known languages with non-blank text, trimmed."""
    if not value:
        return {}
    return {
        lang: str(value[lang]).strip()
        for lang in TEXT_LANGUAGES
        if isinstance(value.get(lang), str) and value[lang].strip()
    }


class SurveySeries(Base):
    """The same questionnaire run again and again (rounds), so results compare over time."""

    __tablename__ = "survey_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    rounds: Mapped[list[SurveyRound]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="SurveyRound.number"
    )


class SurveyRound(Base):
    """One run of a questionnaire; it holds its own copy of the questions."""

    __tablename__ = "survey_round"
    __table_args__ = (
        sa.UniqueConstraint("series_id", "number"),
        sa.CheckConstraint(in_list("status", ROUND_STATUSES), name="known_status"),
        sa.CheckConstraint(
            "opens_on IS NULL OR closes_on IS NULL OR opens_on <= closes_on",
            name="opens_before_closing",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_series.id", ondelete="CASCADE"), index=True
    )
    #: 1 for the first round of a series, then 2, 3, …
    number: Mapped[int]
    #: One of ROUND_STATUSES.
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    title: Mapped[dict[str, str]] = mapped_column(LocalText, default=dict)
    intro: Mapped[dict[str, str]] = mapped_column(LocalText, default=dict)
    thanks: Mapped[dict[str, str]] = mapped_column(LocalText, default=dict)
    #: The round opens by itself on this date once approved (Norwegian calendar date).
    opens_on: Mapped[date | None]
    #: The round closes by itself after this date.
    closes_on: Mapped[date | None]
    #: The round this one was copied from, for comparisons over time.
    previous_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: The secret part of the public link, e.g. /s/<token>; a new round gets a new one.
    public_token: Mapped[str] = mapped_column(sa.String(24), unique=True, default=new_public_token)
    #: When True, only people with a one-time access code (or a kiosk) can answer.
    requires_code: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    #: The date the results readers see were last published (feedback.results.publish);
    #: None before the first publication. A date only: results say "per 7. desember".
    results_published_on: Mapped[date | None]

    series: Mapped[SurveySeries] = relationship(back_populates="rounds")
    previous: Mapped[SurveyRound | None] = relationship(remote_side=[id])
    pages: Mapped[list[SurveyPage]] = relationship(
        back_populates="round",
        cascade="all, delete-orphan",
        order_by=lambda: (SurveyPage.position, SurveyPage.id),
    )
    approvals: Mapped[list[Approval]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Approval.created_at"
    )

    @property
    def questions(self) -> list[Question]:
        """All questions in the order respondents meet them."""
        return [q for page in self.pages for q in page.questions]

    def __repr__(self) -> str:
        return f"<SurveyRound {self.series_id}/{self.number} {self.status}>"


class SurveyPage(Base):
    __tablename__ = "survey_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    #: Order within the round; gaps are allowed.
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict[str, str]] = mapped_column(LocalText, default=dict)

    round: Mapped[SurveyRound] = relationship(back_populates="pages")
    questions: Mapped[list[Question]] = relationship(
        back_populates="page",
        cascade="all, delete-orphan",
        order_by=lambda: (Question.position, Question.id),
    )


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "key"),
        sa.CheckConstraint(in_list("kind", QUESTION_KINDS), name="known_kind"),
        sa.CheckConstraint(
            "(condition_question_id IS NULL) = (condition_value IS NULL)",
            name="condition_complete",
        ),
        sa.CheckConstraint(
            "min_value IS NULL OR max_value IS NULL OR min_value < max_value", name="min_below_max"
        ),
        sa.CheckConstraint("max_length IS NULL OR max_length > 0", name="positive_max_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_page.id", ondelete="CASCADE"), index=True
    )
    #: Order within the page; gaps are allowed.
    position: Mapped[int] = mapped_column(default=0)
    #: Stable code, kept when a round is copied; conditions and exports refer to it.
    key: Mapped[str] = mapped_column(sa.String(40))
    #: One of QUESTION_KINDS.
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[dict[str, str]] = mapped_column(LocalText, default=dict)
    help: Mapped[dict[str, str]] = mapped_column(LocalText, default=dict)
    required: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    #: Offer "Vet ikke / Ikke aktuelt"; such answers are kept out of averages.
    dont_know: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    #: End labels of a Likert or 0–10 scale.
    low_label: Mapped[dict[str, str]] = mapped_column(LocalText, default=dict)
    high_label: Mapped[dict[str, str]] = mapped_column(LocalText, default=dict)
    #: Longest answer allowed for free text.
    max_length: Mapped[int | None]
    #: Bounds for a number question.
    min_value: Mapped[int | None]
    max_value: Mapped[int | None]
    #: Show only if this earlier question was answered with condition_value.
    condition_question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question.id", ondelete="RESTRICT"), index=True
    )
    condition_value: Mapped[str | None] = mapped_column(sa.String(40))
    #: The same question in the previous round, when this round was copied from it.
    previous_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question.id", ondelete="SET NULL")
    )
    #: The group says answers compare with previous_id's answers.
    comparable: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))

    page: Mapped[SurveyPage] = relationship(back_populates="questions")
    round: Mapped[SurveyRound] = relationship()
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by=lambda: (QuestionOption.position, QuestionOption.id),
    )
    condition_question: Mapped[Question | None] = relationship(
        remote_side=[id], foreign_keys=[condition_question_id]
    )
    previous: Mapped[Question | None] = relationship(remote_side=[id], foreign_keys=[previous_id])

    def __repr__(self) -> str:
        return f"<Question {self.key} {self.kind}>"


class QuestionOption(Base):
    """An answer option (svaralternativ) of a choice question, or a face of a smiley scale."""

    __tablename__ = "question_option"
    __table_args__ = (sa.UniqueConstraint("question_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    #: Stable code stored with answers and used by conditions.
    value: Mapped[str] = mapped_column(sa.String(40))
    label: Mapped[dict[str, str]] = mapped_column(LocalText, default=dict)

    question: Mapped[Question] = relationship(back_populates="options")


class Approval(Base):
    """A user representative's approval of a round (user-led approval)."""

    __tablename__ = "approval"
    __table_args__ = (sa.UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[SurveyRound] = relationship(back_populates="approvals")
    user: Mapped[User] = relationship()


class SurveyTemplate(Base):
    """A questionnaire an organisation saved to start new ones from (the export format)."""

    __tablename__ = "survey_template"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    #: A questionnaire document (docs/questionnaire-format.md).
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Response(Base):
    """One anonymous set of answers to a round: unit, channel and date only (docs/design.md)."""

    __tablename__ = "response"
    __table_args__ = (
        sa.CheckConstraint(in_list("channel", CHANNELS), name="known_channel"),
        NO_ROWID,
    )

    #: Random, not sequential, so ids say nothing about order.
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(sa.String(20))
    #: The date only, never the time of day. Indexed for flask schedule's hourly rewrite of the
    #: current date's rows (feedback/maintenance.py).
    submitted_on: Mapped[date] = mapped_column(index=True)
    #: Counted in the results readers see. A new response waits (False) until a publication
    #: takes it with enough others that the difference between two snapshots passes the
    #: small-group rule (feedback.results.publish).
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))

    unit: Mapped[Unit | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(Base):
    """One value given to one question. Multiple choice gives several rows.

    The key is (response, question, position): no sequential id that would tell the order in
    which responses came in.
    """

    __tablename__ = "answer"
    __table_args__ = NO_ROWID

    response_id: Mapped[str] = mapped_column(
        sa.ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(primary_key=True, default=0)
    #: The option value, "dont_know", the number as text, or the free text itself.
    value: Mapped[str] = mapped_column(sa.Text)
    #: The value as a number for scales, faces and numbers (None for text and options).
    number: Mapped[int | None] = mapped_column(sa.BigInteger)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class AccessCode(Base):
    """A one-time code printed on a card. It knows only whether it has been used: no time,
    no response, no order of use (docs/design.md rule 2)."""

    __tablename__ = "access_code"
    __table_args__ = NO_ROWID

    #: The code itself is the key (random), so there is no sequential id.
    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_round.id", ondelete="CASCADE"), index=True
    )
    #: Codes made together are printed together (1, 2, … per round).
    batch: Mapped[int]
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    used: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))

    round: Mapped[SurveyRound] = relationship()
    unit: Mapped[Unit | None] = relationship()


class UsedFormToken(Base):
    """The one-time token of a questionnaire that was sent in, so a double-click, a reload or
    a replay stores one response. Not linked to the response; purged after a few days."""

    __tablename__ = "used_form_token"
    __table_args__ = NO_ROWID

    nonce: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    used_on: Mapped[date] = mapped_column(index=True)


class AnswerDraft(Base):
    """The answers so far of a questionnaire being filled in, page by page, so the browser's
    Back and Forward show each page with its answers (respond.drafts).

    Keyed by a hash of the one-time form token's nonce (never the nonce itself), so only the
    browser that holds the token can find it. A date only, no time of day. Deleted when the
    questionnaire is sent in (in the same transaction), at a kiosk's reset, when it is read
    after DRAFT_HOURS, and by ``flask schedule`` after its day."""

    __tablename__ = "answer_draft"
    __table_args__ = NO_ROWID

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_round.id", ondelete="CASCADE"))
    #: The answers so far, as JSON: {question key: [values]}.
    answers: Mapped[str] = mapped_column(sa.Text)
    #: The page (0-based) the respondent was sent to last: Forward goes no further.
    page: Mapped[int] = mapped_column(default=0)
    #: The unit question's form value (a unit id, or NO_UNIT_CHOICE), when the respondent chooses.
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    #: The access code the questionnaire was opened with (the code channel).
    code: Mapped[str | None] = mapped_column(sa.String(8))
    created_on: Mapped[date] = mapped_column(index=True)
