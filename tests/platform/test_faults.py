"""Faults in the middle of someone's answers: PostgreSQL stops, or the SQLite disk turns
read-only or fills up, between showing a form and sending it.

Every fault is real: PostgreSQL is a throwaway cluster of our own that is stopped with
``pg_ctl stop -m immediate`` (as a crash would), and the SQLite database lives on a small tmpfs
that is remounted read-only or filled to the last byte. Nothing in the app is mocked. Each test
checks the same promise (docs/design.md "Bad input and faults"): a friendly 503 page in Norwegian
that keeps everything typed, ready to be sent again without JavaScript; nothing partial stored;
and once the fault is gone, sending the kept form again stores exactly one answer, without
restarting the app.

The faults need root (mount) or PostgreSQL's server programs; without them the tests are
skipped with the reason, and they fail instead under CI.
"""

from __future__ import annotations

import errno
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.datastructures import MultiDict

from feedback.deviations.categories import add_default_categories, categories
from feedback.extensions import db
from feedback.models import Answer, Deviation, Organisation, Question, Response, User
from feedback.models.base import today
from feedback.models.deviation import DeviationNote
from tests import factories
from tests.conftest import PASSWORD, build_app, csrf_token, login
from tests.shared import dump_tables
from tests.world import document, likert, make_round, questionnaire

#: Texts of the pages that may answer a fault (the general one and the forms' own), by language.
FAULT_TEXTS = {
    "nb": (
        "Vi får ikke kontakt med databasen",
        "Vi kunne ikke lagre svarene dine",
        "Vi kunne ikke lagre meldingen",
    ),
    "nn": ("Vi får ikkje kontakt med databasen",),
}
#: A free text with everything that must survive being written into a page and sent back.
TRICKY_TEXT = 'Kari sa: "Det <hjelper> & er trygt" – æøå\nNy linje.'


def _unavailable(reason: str) -> NoReturn:
    """Skip on a developer's machine without the tools; fail under CI, where they must be."""
    if os.environ.get("CI", "").lower() in ("1", "true") or os.environ.get(
        "FEEDBACK_REQUIRE_BROWSER"
    ):
        pytest.fail(reason)
    pytest.skip(reason)


# --- forms, read the way a browser without JavaScript sends them -------------------------------


@dataclass
class Form:
    action: str
    method: str
    #: What the form sends, in document order, without any submit button.
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: Submit buttons as (name, value); the name is None for a button that sends nothing.
    buttons: list[tuple[str | None, str]] = field(default_factory=list)

    def submission(self, button: tuple[str | None, str] | None = None) -> list[tuple[str, str]]:
        """The fields sent when this button (by default the first one) is pressed."""
        pressed = button if button is not None else self.buttons[0]
        assert pressed in self.buttons, f"no button {pressed} in the form"
        name, value = pressed
        return self.fields + ([(name, value)] if name else [])


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: list[str] | None = None
        #: name, multiple, options as [value, selected]
        self._select: tuple[str, bool, list[list[Any]]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name")
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        if tag == "button" and kind == "submit" or tag == "input" and kind in ("submit", "image"):
            form.buttons.append((name or None, a.get("value", "")))
        elif tag == "input" and name:
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind not in ("file", "reset", "button"):
                form.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [])
        elif tag == "option" and self._select is not None:
            self._select[2].append([a.get("value"), "selected" in a])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._select is not None and self._select[2] and self._select[2][-1][0] is None:
            self._select[2][-1][0] = data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            # A browser drops one newline right after <textarea>.
            self._form.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, options = self._select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            self._form.fields.extend((name, value) for value in chosen)
            self._select = None


def form_posting_to(html: str, action: str) -> Form:
    """The one POST form on the page that sends to this address."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    found = [f for f in reader.forms if f.method == "post" and f.action == action]
    assert len(found) == 1, f"{len(found)} POST forms to {action} on the page"
    return found[0]


def fill(sent: list[tuple[str, str]], answers: dict[str, str | list[str]]) -> list[tuple[str, str]]:
    """What a browser sends after the person typed and clicked these answers."""
    kept = [(name, value) for name, value in sent if name not in answers]
    for name, value in answers.items():
        kept.extend((name, item) for item in ([value] if isinstance(value, str) else value))
    return kept


def post(client: FlaskClient, action: str, data: list[tuple[str, str]]) -> Any:
    return client.post(action, data=MultiDict(data))


def assert_kept(
    response: Any, action: str, sent: list[tuple[str, str]], language: str = "nb"
) -> list[tuple[str, str]]:
    """A friendly 503 in the form's language with every posted field in a form that sends them
    again to the same address; returns what that form sends."""
    html = response.get_data(as_text=True)
    assert response.status_code == 503, html
    assert response.headers["Cache-Control"] == "no-store"
    assert f'lang="{language}"' in html
    assert any(text in html for text in FAULT_TEXTS[language]), html
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlite3", "SELECT"):
        assert leak not in html
    form = form_posting_to(html, action)
    # The kept page offers one way on: send again. (The questionnaire re-rendered after a
    # failed store has its own buttons; the one that sends is nav=next.)
    button = ("nav", "next") if ("nav", "next") in form.buttons else None
    again = form.submission(button)
    assert sorted(again) == sorted(sent)
    return again


def stored_answers(app: Flask, round_id: int) -> list[set[tuple[str, str]]]:
    """Each stored response to the round as its set of (question key, value)."""
    with app.app_context():
        ids = db.session.scalars(sa.select(Response.id).where(Response.round_id == round_id))
        return [
            {
                (key, value)
                for key, value in db.session.execute(
                    sa.select(Question.key, Answer.value)
                    .join(Answer, Answer.question_id == Question.id)
                    .where(Answer.response_id == response_id)
                )
            }
            for response_id in ids
        ]


# --- the survey and the report form used by every test -----------------------------------------


@dataclass
class Place:
    round_id: int
    link: str
    slug: str
    unit: int
    category: int
    #: The three-page questionnaire (tests/world/base.py), and its link.
    long_round_id: int
    long_link: str


def one_page() -> dict[str, Any]:
    return document(
        [
            likert("listened", required=True),
            {
                "key": "activities",
                "type": "multiple_choice",
                "text": {"nb": "Hva deltar du på?"},
                "options": [
                    {"value": "walk", "label": {"nb": "Tur"}},
                    {"value": "cook", "label": {"nb": "Matlaging"}},
                    {"value": "art", "label": {"nb": "Kunst"}},
                ],
            },
            {
                "key": "why",
                "type": "text_long",
                "text": {"nb": "Hva betyr stedet for deg?"},
                "max_length": 500,
            },
        ]
    )


_names = itertools.count(1)


def make_place(app: Flask) -> Place:
    """An organisation with two units (so respondents choose one), deviation categories, a
    user representative (Kari), an open one-page round and an open three-page round."""
    with app.app_context():
        n = next(_names)
        org = factories.organisation(f"Fjordvik {n}", f"fjordvik-{n}")
        unit = factories.unit(org, "Aktivitetshuset")
        factories.unit(org, "Ruspoliklinikken")
        add_default_categories(org)
        factories.user(f"kari{n}@example.no", org=org, role="quality", name="Kari")
        short, long = make_round(org, doc=one_page()), make_round(org, doc=questionnaire())
        category = categories(org)[0].id
        db.session.commit()
        return Place(
            short.id,
            f"/s/{short.public_token}",
            org.slug,
            unit.id,
            category,
            long.id,
            f"/s/{long.public_token}",
        )


def answers_for(place: Place) -> dict[str, str | list[str]]:
    return {
        "enhet": str(place.unit),
        "q-listened": "4",
        "q-activities": ["walk", "art"],
        "q-why": TRICKY_TEXT,
    }


def typed_questionnaire(client: FlaskClient, place: Place) -> list[tuple[str, str]]:
    """Open the one-page questionnaire and answer it; returns what "Send in" will post."""
    html = client.get(f"{place.link}?sprak=nb", follow_redirects=True).get_data(as_text=True)
    page = form_posting_to(html, place.link)
    return fill(page.submission(("nav", "next")), answers_for(place))


def assert_one_response(app: Flask, place: Place) -> None:
    expected = {("listened", "4"), ("activities", "walk"), ("activities", "art")}
    expected.add(("why", TRICKY_TEXT))
    assert stored_answers(app, place.round_id) == [expected]


def report_fields(place: Place, description: str) -> dict[str, str | list[str]]:
    return {
        "reporter_kind": "service_user",
        "unit": str(place.unit),
        "event_date": (today() - timedelta(days=2)).strftime("%d.%m.%Y"),
        "category": str(place.category),
        "description": description,
        "suggestion": "Si fra i god tid.",
    }


def typed_report(
    client: FlaskClient, place: Place, description: str, language: str = "nb"
) -> list[tuple[str, str]]:
    action = f"/avvik/{place.slug}"
    page = form_posting_to(client.get(f"{action}?sprak={language}").get_data(as_text=True), action)
    return fill(page.submission(), report_fields(place, description))


def reports(app: Flask, place: Place) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Deviation.description)
                .join(Organisation, Organisation.id == Deviation.organisation_id)
                .where(Organisation.slug == place.slug)
            )
        )


# --- PostgreSQL: a cluster of our own, stopped in the middle -----------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """A throwaway PostgreSQL server on 127.0.0.1 with trust authentication. As root its
    programs run as the ``postgres`` user, as PostgreSQL refuses to run as root."""

    def __init__(self, bindir: str) -> None:
        self.bindir = bindir
        self.port = _free_port()
        self.home = Path(tempfile.mkdtemp(prefix="brukerstemmen-faults-"))
        self.data = self.home / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.home, postgres.pw_uid, postgres.pw_gid)
        self.running = False

    def _run(self, *args: str) -> None:
        command = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{args[0]} failed: {result.stdout}{result.stderr}"

    def create(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "-N"
        )
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.home}'",
            # Safe for a crash of the server (the OS keeps what was written), not of the
            # machine. synchronous_commit stays on: an immediate stop would lose commits.
            "fsync": "off",
        }
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        log = str(self.home / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-w", "-t", "60", "start")
        self.running = True

    def stop(self) -> None:
        """Stop at once, as a crash or a pulled plug would: no clean shutdown."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.running = False

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, statement: str) -> None:
        engine = sa.create_engine(
            self.url("postgres").replace("postgresql:", "postgresql+psycopg:"),
            isolation_level="AUTOCOMMIT",
        )
        try:
            with engine.connect() as connection:
                connection.execute(sa.text(statement))
        finally:
            engine.dispose()

    def remove(self) -> None:
        try:
            if self.running:
                self.stop()
        finally:
            shutil.rmtree(self.home, ignore_errors=True)


def _postgres_bindir() -> str | None:
    def version(path: str) -> float:
        try:
            return float(Path(path).parent.parent.name)
        except ValueError:
            return 0.0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(initdb)) if initdb else None


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """One cluster for the module, with a migrated template database."""
    bindir = _postgres_bindir()
    if bindir is None:
        _unavailable("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _unavailable("runuser is needed to run PostgreSQL as the postgres user")
    server = Cluster(bindir)
    try:
        server.create()
        server.start()
        server.execute("CREATE DATABASE faults_template")
        app = build_app(server.url("faults_template"))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield server
    finally:
        server.remove()


_databases = itertools.count(1)


@pytest.fixture
def pg_app(cluster: Cluster) -> Iterator[Flask]:
    """An app on a fresh copy of the template database, the server running."""
    if not cluster.running:  # a failed test may have left it stopped
        cluster.start()
    name = f"faults_{next(_databases)}"
    cluster.execute(f"CREATE DATABASE {name} TEMPLATE faults_template")
    app = build_app(cluster.url(name), PROPAGATE_EXCEPTIONS=False)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_postgresql_stops_before_a_questionnaire_is_sent(pg_app: Flask, cluster: Cluster) -> None:
    place = make_place(pg_app)
    client = pg_app.test_client(use_cookies=False)
    sent = typed_questionnaire(client, place)
    before = dump_tables(pg_app)

    cluster.stop()
    again = assert_kept(post(client, place.link, sent), place.link, sent)
    # Still down: sending again keeps everything again, and stores nothing.
    assert_kept(post(client, place.link, again), place.link, sent)

    cluster.start()
    assert dump_tables(pg_app) == before
    response = post(client, place.link, again)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{place.link}/takk?sprak=nb")
    assert_one_response(pg_app, place)
    # A double-click on the kept page after it went through stores nothing more.
    assert post(client, place.link, again).status_code == 303
    assert len(stored_answers(pg_app, place.round_id)) == 1


def test_postgresql_stops_before_the_last_page_is_sent(pg_app: Flask, cluster: Cluster) -> None:
    """Three pages: the first two go through, the server stops before "Send in" on the last.
    The earlier pages' answers travel in the form, so they are kept too."""
    place = make_place(pg_app)
    client = pg_app.test_client(use_cookies=False)
    link = place.long_link
    pages: list[dict[str, str | list[str]]] = [
        {"enhet": str(place.unit), "q-listened": "5", "q-group": "yes"},
        {"q-why": TRICKY_TEXT, "q-food": "good"},
        {"q-age": "34", "q-activities": ["walk", "art"], "q-word": "Trygt"},
    ]
    html = client.get(f"{link}?sprak=nb", follow_redirects=True).get_data(as_text=True)
    for answers in pages[:2]:
        sent = fill(form_posting_to(html, link).submission(("nav", "next")), answers)
        response = post(client, link, sent)
        # Each page is kept in its draft, and the next page has an address of its own.
        assert response.status_code == 303, response.get_data(as_text=True)
        response = client.get(response.location)
        assert response.status_code == 200, response.get_data(as_text=True)
        html = response.get_data(as_text=True)
    sent = fill(form_posting_to(html, link).submission(("nav", "next")), pages[2])
    before = dump_tables(pg_app)

    cluster.stop()
    again = assert_kept(post(client, link, sent), link, sent)
    for answers in pages[:2]:  # the earlier pages' answers are among what is kept
        for key, value in answers.items():
            assert (key, value) in again

    cluster.start()
    assert dump_tables(pg_app) == before
    assert post(client, link, again).status_code == 303
    assert stored_answers(pg_app, place.long_round_id) == [
        {
            ("listened", "5"),
            ("group", "yes"),
            ("why", TRICKY_TEXT),
            ("food", "good"),
            ("age", "34"),
            ("activities", "walk"),
            ("activities", "art"),
            ("word", "Trygt"),
        }
    ]


def test_postgresql_stops_before_a_deviation_report_is_sent(
    pg_app: Flask, cluster: Cluster
) -> None:
    """In nynorsk: the page that keeps the report speaks the form's language, which travels
    in the form (reporters have no cookie)."""
    place = make_place(pg_app)
    client = pg_app.test_client(use_cookies=False)
    action = f"/avvik/{place.slug}"
    sent = typed_report(client, place, TRICKY_TEXT, "nn")
    assert ("sprak", "nn") in sent
    assert ("skjema", "") not in sent  # the signed one-time token is among the fields

    cluster.stop()
    again = assert_kept(post(client, action, sent), action, sent, "nn")

    cluster.start()
    assert reports(pg_app, place) == []
    response = post(client, action, again)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert 'class="receipt__code"' in response.get_data(as_text=True)
    assert reports(pg_app, place) == [TRICKY_TEXT]
    # The same kept form again is a replay of a used token: no second case.
    assert post(client, action, again).status_code == 409
    assert reports(pg_app, place) == [TRICKY_TEXT]


def test_postgresql_stops_while_staff_write_a_note(
    pg_app: Flask, cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    """A signed-in person's page needs the database for the layout itself (who is signed in),
    so the 503 is the bare fallback page: it keeps the note and the CSRF token all the same.
    A sign-in at the same time is not kept, as it holds a password."""
    place = make_place(pg_app)
    reporter = pg_app.test_client(use_cookies=False)
    report = typed_report(reporter, place, "Avlyst møte")
    assert post(reporter, f"/avvik/{place.slug}", report).status_code == 200
    with pg_app.app_context():
        case_id = db.session.scalars(sa.select(Deviation.id)).one()
        email = db.session.scalars(sa.select(User.email)).one()
    staff = pg_app.test_client()
    assert login(staff, email).status_code == 302
    action = f"/avvik/saker/{case_id}/notat"
    handling = staff.get(f"/avvik/saker/{case_id}/behandling").get_data(as_text=True)
    page = form_posting_to(handling, action)
    sent = fill(page.submission(), {"note": TRICKY_TEXT})
    assert any(name.endswith("csrf_token") and value for name, value in sent)

    stranger = pg_app.test_client()
    login_token = csrf_token(stranger, "/logg-inn")

    cluster.stop()
    again = assert_kept(post(staff, action, sent), action, sent)
    # A password is never written back into a page: a sign-in is not kept.
    response = stranger.post(
        "/logg-inn", data={"csrf_token": login_token, "email": email, "password": PASSWORD}
    )
    assert response.status_code == 503
    assert PASSWORD not in response.get_data(as_text=True)
    assert "<form" not in response.get_data(as_text=True)

    # The outage is logged once per request, without a second failure while the answer is
    # finished (the response headers need no database).
    assert "database unavailable" in caplog.text
    assert "Request finalizing failed" not in caplog.text

    cluster.start()
    response = post(staff, action, again)
    assert response.status_code == 302, response.get_data(as_text=True)
    with pg_app.app_context():
        assert list(db.session.scalars(sa.select(DeviationNote.body))) == [TRICKY_TEXT]


# --- SQLite: a disk that turns read-only or fills up -------------------------------------------


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "template.sqlite3"
    app = build_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs of our own: the kernel, not file permissions (which root ignores),
    refuses writes once it is read-only or full."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if shutil.which("mount") is None:
        _unavailable("the mount program is not installed")
    result = _mount("-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount_point))
    if result.returncode != 0:
        _unavailable(f"cannot mount a tmpfs (needs root): {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], capture_output=True, timeout=30)


@pytest.fixture
def disk_app(small_disk: Path, sqlite_template: Path) -> Iterator[Flask]:
    path = small_disk / "brukerstemmen.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = build_app(f"sqlite:///{path}", PROPAGATE_EXCEPTIONS=False)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_sqlite_on_a_read_only_disk(disk_app: Flask, small_disk: Path) -> None:
    """The file system is remounted read-only, as Linux does after disk errors. Linux refuses
    that while a file on it is open for writing, so the app's connections are closed first,
    as after a worker restart; the next request opens the database on the read-only disk."""
    place = make_place(disk_app)
    client = disk_app.test_client(use_cookies=False)
    sent = typed_questionnaire(client, place)
    before = dump_tables(disk_app)

    with disk_app.app_context():
        db.engine.dispose()
    result = _mount("-o", "remount,ro", str(small_disk))
    assert result.returncode == 0, result.stderr
    with pytest.raises(OSError) as refused:  # even root cannot write there now
        (small_disk / "probe").write_text("x")
    assert refused.value.errno == errno.EROFS
    again = assert_kept(post(client, place.link, sent), place.link, sent)

    result = _mount("-o", "remount,rw", str(small_disk))
    assert result.returncode == 0, result.stderr
    assert dump_tables(disk_app) == before
    assert post(client, place.link, again).status_code == 303
    assert_one_response(disk_app, place)


def _fill_up(directory: Path) -> Path:
    """Write zeros until the file system has no room left (bounded by its size)."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for _ in range(1024):  # 64 MiB, far more than the 4 MiB disk
            try:
                os.write(descriptor, chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC
                break
        else:
            raise AssertionError("the disk never filled up")
        for size in (4096, 512, 1):  # the last partial blocks
            try:
                while os.write(descriptor, chunk[:size]):
                    pass
            except OSError as error:
                assert error.errno == errno.ENOSPC
    finally:
        os.close(descriptor)
    return filler


def test_sqlite_on_a_full_disk(disk_app: Flask, small_disk: Path) -> None:
    """The disk fills up while the app keeps its connections open. The write-ahead log is
    emptied first, so the answers need new room on the disk (as they do once the log has been
    checkpointed) and SQLite answers "database or disk is full"."""
    place = make_place(disk_app)
    client = disk_app.test_client(use_cookies=False)
    sent = typed_questionnaire(client, place)
    before = dump_tables(disk_app)

    with disk_app.app_context():
        busy, _log, _done = db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        db.session.commit()
    assert busy == 0
    filler = _fill_up(small_disk)
    again = assert_kept(post(client, place.link, sent), place.link, sent)
    assert dump_tables(disk_app) == before  # reading still works: nothing partial

    filler.unlink()
    assert post(client, place.link, again).status_code == 303
    assert_one_response(disk_app, place)
    after = dump_tables(disk_app)
    assert after["response"] != before["response"] and after["answer"] != before["answer"]
