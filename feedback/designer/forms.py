"""Designer forms. Texts come in three languages; a question form turns into a document."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from feedback.i18n import in_all_languages
from feedback.models import Question
from feedback.models.survey import TEXT_LANGUAGES
from feedback.questionnaire import document as doc
from feedback.questionnaire import registry
from feedback.web.forms import (
    CHOOSE_FROM_LIST,
    LANGUAGE_LABELS,
    Form,
    fill_text,
    local_text_form,
    options,
    strip,
    text_of,
)

#: The question types by kind, in the order the designer offers them, named.
QUESTION_KIND_LABELS = {t.kind: t.label for t in registry.ordered()}
QUESTION_KIND_HINTS = {t.kind: t.hint for t in registry.ordered()}


class OptionLinesForm(Form):
    """Answer options, one per line, per language."""

    class Meta:
        csrf = False

    nb = TextAreaField(LANGUAGE_LABELS["nb"], filters=[strip])
    nn = TextAreaField(LANGUAGE_LABELS["nn"], filters=[strip])
    en = TextAreaField(LANGUAGE_LABELS["en"], filters=[strip])


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ActionForm(Form):
    """A button that changes something: CSRF and nothing else."""


class StatusForm(Form):
    action = HiddenField()


class MoveForm(Form):
    direction = HiddenField()

    def validate_direction(self, field: HiddenField) -> None:
        if field.data not in ("up", "down"):
            raise ValidationError(CHOOSE_FROM_LIST)

    @property
    def step(self) -> int:
        return -1 if self.direction.data == "up" else 1


class ReorderForm(Form):
    """A page's questions in their new order: ids separated by commas (a drag and drop)."""

    order = HiddenField()

    def validate_order(self, field: HiddenField) -> None:
        parts = (field.data or "").split(",")
        if len(parts) > doc.MAX_QUESTIONS or not all(p.isdigit() and len(p) < 19 for p in parts):
            raise ValidationError(CHOOSE_FROM_LIST)

    @property
    def ids(self) -> list[int]:
        return [int(part) for part in self.order.data.split(",")]


class NewQuestionnaireForm(Form):
    template = RadioField(
        _l("Start from"), validate_choice=True, invalid_choice_message=CHOOSE_FROM_LIST
    )
    title = StringField(
        _l("Title"),
        description=_l("Required for a blank questionnaire. With a template you may leave it."),
        filters=[strip],
        validators=[Length(max=doc.TEXT_LIMITS["title"], message=_l("The title is too long."))],
    )

    def set_templates(self, choices: list[tuple[str, object]]) -> None:
        self.template.choices = options([("blank", _l("A blank questionnaire")), *choices])
        if not self.template.data:
            self.template.data = "blank"

    def validate_title(self, field: StringField) -> None:
        if self.template.data == "blank" and not field.data:
            raise ValidationError(_l("Write a title for the questionnaire."))


class ImportForm(Form):
    file = FileField(
        _l("Questionnaire file (.json)"),
        description=_l("A file exported from Brukerstemmen, at most 1 MB."),
    )

    def validate_file(self, field: FileField) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file to import."))


class SettingsForm(Form):
    title = FormField(local_text_form(doc.TEXT_LIMITS["title"], required=True), label=_l("Title"))
    intro = FormField(
        local_text_form(doc.TEXT_LIMITS["intro"], multiline=True),
        label=_l("Introduction"),
        description=_l(
            "Shown on the first page: what the survey is about. The page itself says that"
            " answers are anonymous and how long it takes. A blank line starts a new paragraph;"
            " a paragraph that starts with “!” stands in a box."
        ),
    )
    thanks = FormField(
        local_text_form(doc.TEXT_LIMITS["thanks"], multiline=True),
        label=_l("Thank-you text"),
        description=_l(
            "Shown after the answers are sent in. A blank line starts a new paragraph; a"
            " paragraph that starts with “!” stands in a box, for example where to get help now."
        ),
    )
    opens_on = DateField(
        _l("Opens on (optional)"),
        description=_l("Once approved, the round opens by itself on this date."),
        validators=[Optional()],
    )
    closes_on = DateField(
        _l("Closes after (optional)"),
        description=_l("The round closes by itself when this day is over."),
        validators=[Optional()],
    )

    def validate_closes_on(self, field: DateField) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The closing date must be on or after the opening date."))


class PageForm(Form):
    title = FormField(
        local_text_form(doc.TEXT_LIMITS["page_title"]),
        label=_l("Page title (optional)"),
    )


class TemplateForm(Form):
    name = StringField(
        _l("Name of the template"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=200, message=_l("The name can be at most %(max)d characters.", max=200)),
        ],
    )


class KindForm(Form):
    """Step one of a new question: its type (a GET form, so no CSRF)."""

    class Meta:
        csrf = False

    type = RadioField(
        _l("What kind of question?"),
        choices=options((kind, QUESTION_KIND_LABELS[kind]) for kind in QUESTION_KIND_LABELS),
        validators=[DataRequired(_l("Choose a question type."))],
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    hints = QUESTION_KIND_HINTS


class QuestionForm(Form):
    text = FormField(
        local_text_form(doc.TEXT_LIMITS["text"], required=True, multiline=True),
        label=_l("Question"),
    )
    help = FormField(
        local_text_form(doc.TEXT_LIMITS["help"], multiline=True),
        label=_l("Help text (optional)"),
        description=_l("A short explanation shown under the question."),
    )
    required = BooleanField(_l("The question must be answered"))
    dont_know = BooleanField(_l("Offer “Don't know / Not applicable” (kept out of averages)"))
    low_label = FormField(
        local_text_form(doc.TEXT_LIMITS["low_label"]), label=_l("Label at the low end")
    )
    high_label = FormField(
        local_text_form(doc.TEXT_LIMITS["high_label"]), label=_l("Label at the high end")
    )
    faces = RadioField(
        _l("Number of faces"),
        choices=options([("3", _l("3 faces")), ("5", _l("5 faces"))]),
        default="5",
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    options = FormField(
        OptionLinesForm,
        label=_l("Answer options"),
        description=_l(
            "One option per line. Nynorsk and English are optional; if you write them, write"
            " the same number of lines as in bokmål."
        ),
    )
    max_length = IntegerField(
        _l("Longest answer (characters)"),
        validators=[Optional()],
    )
    min = IntegerField(_l("Lowest number allowed (optional)"), validators=[Optional()])
    max = IntegerField(_l("Highest number allowed (optional)"), validators=[Optional()])
    condition = SelectField(
        _l("Show the question only if"),
        description=_l("Only earlier questions with fixed answers can be chosen."),
        default="",
        validate_choice=True,
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    page_id = SelectField(_l("Page"), coerce=int, invalid_choice_message=CHOOSE_FROM_LIST)
    comparable = BooleanField(
        _l("Answers compare with the same question in the previous round"),
    )

    #: The fields only some types use (each type names its own: QuestionType.form_fields).
    KIND_ONLY_FIELDS = ("low_label", "high_label", "faces", "options", "max_length", "min", "max")

    def setup(
        self,
        kind: str,
        condition_choices: list[tuple[str, str]],
        pages: list[tuple[int, str]] | None,
    ) -> None:
        self.kind = kind
        self.type = registry.TYPES[kind]
        for name in self.KIND_ONLY_FIELDS:
            if name not in self.type.form_fields:
                delattr(self, name)
        self.condition.choices = options([("", _l("Always show it")), *condition_choices])
        if pages is None:
            del self.page_id
        else:
            self.page_id.choices = options(pages)
        self.type.setup_form(self)

    def uses(self, name: str) -> bool:
        return name in self.type.form_fields

    def kind_fields(self) -> list[Any]:
        return [self[name] for name in self.type.form_fields]

    def fill_defaults(self) -> None:
        """Starting values for a new question of this kind."""
        if self.type.default_ends is not None:
            low, high = self.type.default_ends
            fill_text(self.low_label, in_all_languages(low))
            fill_text(self.high_label, in_all_languages(high))
        self.type.fill_defaults(self)
        self.dont_know.data = self.type.dont_know_by_default

    def load(self, question: Question) -> None:
        fill_text(self.text, question.text)
        fill_text(self.help, question.help)
        self.required.data = question.required
        self.dont_know.data = question.dont_know
        if self.uses("low_label"):
            fill_text(self.low_label, question.low_label)
            fill_text(self.high_label, question.high_label)
        if self.uses("faces"):
            self.faces.data = str(len(question.options))
        if self.uses("options"):
            for language in TEXT_LANGUAGES:
                labels = [o.label.get(language, "") for o in question.options]
                self.options.form[language].data = "\n".join(labels) if all(labels) else ""
        if self.uses("max_length"):
            self.max_length.data = question.max_length
        if self.uses("min"):
            self.min.data = question.min_value
            self.max.data = question.max_value
        if question.condition_question is not None:
            self.condition.data = f"{question.condition_question.key}={question.condition_value}"
        if self.page_id is not None:
            self.page_id.data = question.page_id
        if self.comparable is not None:
            self.comparable.data = question.comparable

    def _option_documents(self, question: Question | None) -> list[dict[str, Any]] | None:
        """Answer options from the lines, keeping existing values; None after a field error."""
        typed = {language: _lines(self.options.form[language].data) for language in TEXT_LANGUAGES}
        found = self.type.option_lines(self, typed)
        if found is None:
            return None
        lines = found
        for language in ("nn", "en"):
            if lines[language] and len(lines[language]) != len(lines["nb"]):
                self.options.form[language].errors = [
                    str(
                        _l(
                            "Write as many lines as in bokmål (%(n)d), or none.",
                            n=len(lines["nb"]),
                        )
                    )
                ]
                return None
        existing = list(question.options) if question is not None else []
        by_label = {o.label.get("nb", "").casefold(): o.value for o in existing}
        used: set[str] = set()
        values: list[str | None] = []
        for label in lines["nb"]:
            value = by_label.get(label.casefold())
            if value in used:
                value = None
            values.append(value)
            if value:
                used.add(value)
        for index, value in enumerate(values):  # an edited label keeps its place's value
            if value is None and index < len(existing) and existing[index].value not in used:
                values[index] = existing[index].value
                used.add(existing[index].value)
        counter = 1
        for index, value in enumerate(values):
            if value is None:
                while str(counter) in used:
                    counter += 1
                values[index] = str(counter)
                used.add(str(counter))
        return [
            {
                "value": values[index],
                "label": {lang: lines[lang][index] for lang in TEXT_LANGUAGES if lines[lang]},
            }
            for index in range(len(lines["nb"]))
        ]

    def to_document(self, question: Question | None) -> dict[str, Any] | None:
        """The question as a document (see questionnaire.document), or None if a field is wrong."""
        data: dict[str, Any] = {
            "type": self.kind,
            "text": text_of(self.text),
            "required": bool(self.required.data),
            "dont_know": bool(self.dont_know.data),
        }
        if text_of(self.help):
            data["help"] = text_of(self.help)
        if self.uses("low_label"):
            for name in ("low_label", "high_label"):
                if text_of(getattr(self, name)):
                    data[name] = text_of(getattr(self, name))
        if self.uses("options"):
            option_documents = self._option_documents(question)
            if option_documents is None:
                return None
            data["options"] = option_documents
        if self.uses("max_length"):
            data["max_length"] = (
                self.max_length.data
                if self.max_length.data is not None
                else self.type.default_max_length
            )
        if self.uses("min"):
            for name in ("min", "max"):
                if getattr(self, name).data is not None:
                    data[name] = getattr(self, name).data
        if self.condition.data:
            key, _, value = self.condition.data.partition("=")
            data["condition"] = {"question": key, "value": value}
        return data
