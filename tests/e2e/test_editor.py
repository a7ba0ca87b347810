"""The compact questionnaire editor in Chromium: its height for the built-in 22-question
template, the question menus by keyboard, drag and drop, the question form in a dialog, axe,
and moving a question without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from feedback.extensions import db
from feedback.models import Question, SurveyRound
from tests import factories
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, new_page, sign_in

#: The editor of the built-in user survey (22 questions, 8 pages) at 1280 px must stay below this.
MAX_HEIGHT = 2500
DUPLICATE_IDS = (
    "(() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
    " return ids.filter((id, i) => ids.indexOf(id) !== i); })()"
)


@pytest.fixture
def group(app: Flask) -> None:
    with app.app_context():
        org = factories.organisation("Fjordvik kommune")
        factories.user("kari@example.no", org=org, role="quality", name="Kari")
        db.session.commit()


def start(page: Any, live_server: str) -> int:
    """Kari signs in and starts the built-in user survey; the editor is open."""
    sign_in(page, live_server, "kari@example.no", PASSWORD)
    page.goto(f"{live_server}/skjema/nytt")
    page.check("input[value='builtin:user-survey']")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/skjema/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def keys(app: Flask, round_id: int, page: int | None = None) -> list[str]:
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        questions = round_.questions if page is None else round_.pages[page].questions
        return [q.key for q in questions]


def row(page: Any, number: int) -> Any:
    return page.locator(f"li.editor-row[value='{number}']")


def menu_button(page: Any, number: int) -> Any:
    return row(page, number).locator("details[data-menu] > summary")


def test_the_editor_of_the_builtin_template_fits_in_2500_px(
    page: Any, live_server: str, group: None
) -> None:
    start(page, live_server)
    page.reload()  # without the "created" message
    assert page.locator("li.editor-row").count() == 22
    assert page.locator("details.editor-page__details[open]").count() == 8
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"editor height at 1280 px: {height} px")
    assert height < MAX_HEIGHT
    # One line per question: no row is taller than two lines of text.
    tallest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('li.editor-row')]"
        ".map(r => r.getBoundingClientRect().height))"
    )
    assert tallest < 70, tallest
    # A page folds away and opens again.
    summary = page.locator("summary.editor-page__summary h3").first
    summary.click()
    assert page.locator("details.editor-page__details[open]").count() == 7
    assert not row(page, 1).is_visible()
    summary.click()
    assert row(page, 1).is_visible()


def test_the_question_menu_works_with_the_keyboard_only(
    page: Any, live_server: str, group: None, app: Flask
) -> None:
    from playwright.sync_api import expect

    round_id = start(page, live_server)
    before = keys(app, round_id)
    toggle = menu_button(page, 4)
    # Its name says which question it acts on.
    expect(toggle).to_have_text(re.compile(r"Handlinger\s*for spørsmål 4"))
    # Tab from question 3's menu reaches question 4's (the closed menu hides its items).
    menu_button(page, 3).focus()
    page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(row(page, 4).locator("details[data-menu]")).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(row(page, 4).locator("details[data-menu]")).not_to_have_attribute("open", "")
    expect(toggle).to_be_focused()
    # Open, Tab past "Endre" to "Flytt opp", and press it.
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile(r"Endre\s*spørsmål 4"))
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile(r"Flytt opp\s*spørsmål 4"))
    page.keyboard.press("Enter")
    expect(page.locator(".notice--success")).to_contain_text("Spørsmålet er flyttet")
    # Question 4 (taken-seriously) went above question 3 (own-goals).
    assert keys(app, round_id)[2:4] == [before[3], before[2]]
    assert keys(app, round_id)[4:] == before[4:]


def test_drag_and_drop_stores_the_new_order(
    page: Any, live_server: str, group: None, app: Flask
) -> None:
    from playwright.sync_api import expect

    round_id = start(page, live_server)
    # Page 6: know-help (14), understand-staff (15), speak-up (16). Drag 16 above 14.
    assert keys(app, round_id, 5) == ["know-help", "understand-staff", "speak-up"]
    source = row(page, 16).locator(".editor-row__text")
    target = row(page, 14)
    expect(row(page, 16).locator(".editor-row__handle")).to_be_visible()
    box = target.bounding_box()
    text = source.inner_text()
    source.drag_to(target, target_position={"x": box["width"] / 3, "y": 3})
    expect(page.locator(".notice--success")).to_contain_text("nye rekkefølgen")
    assert keys(app, round_id, 5) == ["speak-up", "know-help", "understand-staff"]
    expect(row(page, 14)).to_contain_text(text)  # speak-up, numbered 14 now
    # A drag that would put a question before the one its condition depends on is refused.
    assert keys(app, round_id, 1)[2:] == ["has-plan", "plan-involved"]
    row(page, 6).locator(".editor-row__text").drag_to(
        row(page, 5), target_position={"x": 20, "y": 3}
    )
    expect(page.locator(".notice--error")).to_contain_text("før spørsmålet som betingelsen")
    assert keys(app, round_id, 1)[2:] == ["has-plan", "plan-involved"]


def test_axe_with_a_menu_and_the_dialog_open_and_the_dialog_form(
    axe_page: Any, live_server: str, group: None, app: Flask
) -> None:
    from playwright.sync_api import expect

    page = axe_page
    round_id = start(page, live_server)
    assert axe_violations(page) == []
    assert page.evaluate(DUPLICATE_IDS) == []
    toggle = menu_button(page, 3)
    toggle.click()
    assert axe_violations(page) == [], "menu open"
    row(page, 3).locator("a[data-dialog]").click()
    dialog = page.locator("dialog#question-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#text-nb")).to_be_focused()
    expect(dialog.locator("h2#question-dialog-title")).to_have_text("Spørsmål 3")
    assert axe_violations(page) == [], "dialog open"
    assert page.evaluate(DUPLICATE_IDS) == []
    # An empty text: the dialog shows the error, the question is unchanged.
    dialog.locator("#text-nb").fill("")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".error-summary")).to_be_visible()
    expect(dialog.locator(".error-summary")).to_be_focused()
    assert axe_violations(page) == [], "dialog with errors"
    # Escape closes it and gives focus back to the row's menu.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(toggle).to_be_focused()
    # Again, now saved: back to the editor with the new text.
    toggle.click()
    row(page, 3).locator("a[data-dialog]").click()
    dialog.locator("#text-nb").fill("Fikk du sette dine egne mål?")
    dialog.locator("button[type=submit]").click()
    expect(page.locator(".notice--success")).to_contain_text("Spørsmålet er lagret")
    expect(row(page, 3)).to_contain_text("Fikk du sette dine egne mål?")
    with app.app_context():
        question = db.session.scalar(
            db.select(Question).where(Question.round_id == round_id, Question.key == "own-goals")
        )
        assert question is not None and question.text["nb"] == "Fikk du sette dine egne mål?"


def test_without_javascript_the_buttons_move_a_question(
    browser: Any, live_server: str, group: None, app: Flask
) -> None:
    from playwright.sync_api import expect

    with new_page(browser, java_script_enabled=False) as page:
        round_id = start(page, live_server)
        before = keys(app, round_id)
        menu_button(page, 1).click()
        row(page, 1).locator("button:has-text('Flytt ned')").click()
        expect(page.locator(".notice--success")).to_contain_text("Spørsmålet er flyttet")
        assert keys(app, round_id)[:2] == [before[1], before[0]]
        # "Endre" is a link to the form's own page there.
        menu_button(page, 1).click()
        row(page, 1).locator("a[data-dialog]").click()
        page.wait_for_url(re.compile(r"/sporsmal/\d+$"))
        expect(page.locator("h1")).to_have_text("Spørsmål 1")


def test_a_question_is_added_in_the_dialog(
    axe_page: Any, live_server: str, group: None, app: Flask
) -> None:
    """ "Add a question" asks for the type and then shows the question form, both in the
    dialog; saving goes back to the editor with the new question at the end of the page."""
    from playwright.sync_api import expect

    page = axe_page
    round_id = start(page, live_server)
    before = keys(app, round_id, 0)
    page.locator(f"#page-{page_ids(app, round_id)[0]} .editor-page__tools a[data-dialog]").click()
    dialog = page.locator("dialog#question-dialog")
    expect(dialog.locator("input[value=likert]")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/skjema/{round_id}$"))  # still the editor
    assert axe_violations(page) == [], "type choice in the dialog"
    dialog.locator("input[value=likert]").check()
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator("#text-nb")).to_be_focused()
    assert axe_violations(page) == [], "new question's form in the dialog"
    dialog.locator("#text-nb").fill("Ble du møtt med respekt i dag?")
    dialog.locator("button[type=submit]").click()
    expect(page.locator(".notice--success")).to_contain_text("Spørsmålet er lagt til")
    after = keys(app, round_id, 0)
    assert after[:-1] == before and len(after) == len(before) + 1
    expect(
        page.locator("li.editor-row[data-id]").filter(has_text="Ble du møtt med respekt i dag?")
    ).to_have_count(1)


def page_ids(app: Flask, round_id: int) -> list[int]:
    with app.app_context():
        round_ = db.session.get(SurveyRound, round_id)
        assert round_ is not None
        return [p.id for p in round_.pages]
