"""A front for respondents, in front of Flask: kept blank pages, and the last page stored.

The blank first page of a questionnaire and its thank-you page are the same for everyone who
opens the same address in the same language; only the first page's one-time form token differs.
After Flask has rendered such a page from this worker's fresh copy (respond.cache), the next
requests for the same address are answered here for as long as the copy may be used without
asking the database (PUBLIC_RECHECK_SECONDS since the round was last checked): the kept bytes,
the headers Flask sent, and a new token.

A kept page is keyed by everything its rendering reads from the request: the path, the query
string (none, or only the language), the language the cookie or browser asks for, the host
and scheme. A view offers a page with ``offer``; the front keeps it only when the answer was a
200 without a cookie.

The last page of such a questionnaire, sent in by link or unit link, is stored here too when
everything in it is in order: the form token, the answers (answering.step, as the views check
them), the unit and the language are read as respond.views reads them, services.store stores
them, and the answer is the views' redirect to the thank-you page with the headers Flask's
hooks add. Anything else (a problem to show, a used token, a round that changed, a failed
store, a session cookie, a kiosk, an access code, a unit that takes answers only with a code,
any other page) goes on to Flask with the same body, which answers it as before.

Nothing about respondents is kept: only blank pages and their headers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_babel import force_locale
from werkzeug.datastructures import LanguageAccept, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header, parse_cookie
from werkzeug.utils import redirect

from feedback import answering
from feedback.i18n import LANGUAGE_COOKIE, SUPPORTED_LOCALES, locale_for
from feedback.respond import cache, services
from feedback.security import HSTS_HEADER, SECURITY_HEADERS

#: Only these addresses can be answered here (the respond blueprint's links).
PREFIX = "/s/"
_OFFER = "feedback.respond.front"
#: The query strings a kept page may have: none, or the language links' own.
_KEPT_QUERIES = frozenset(f"sprak={code}" for code in SUPPORTED_LOCALES)
#: The questionnaire's own addresses by link and by unit link (respond.views).
_ANSWER_PATH = re.compile(r"/s/([^/]+)(?:/([0-9]{1,10}))?")
_FORM = "application/x-www-form-urlencoded"

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Offer:
    """A page a view rendered from a kept copy, and what tells that it may be given again."""

    html: str
    #: True while the copy it was made from may be used (services.freshness).
    fresh: Callable[[], bool]
    #: The round whose form token goes in the page's placeholder; None: the page has none.
    round_id: int | None


def offer(html: str, fresh: Callable[[], bool] | None, round_id: int | None) -> None:
    """Let the front give this page again to the same request while ``fresh()`` holds (None:
    the page was not made from a kept copy)."""
    if fresh is not None:
        request.environ[_OFFER] = Offer(html, fresh, round_id)


@dataclass(frozen=True)
class _Kept:
    status: str
    headers: list[tuple[str, str]]
    parts: tuple[bytes, ...]
    round_id: int | None
    fresh: Callable[[], bool]


class Front:
    """WSGI middleware: answers a GET for a kept blank page, and stores the last page of a kept
    questionnaire, without entering Flask."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.session_cookie = f"{app.config['SESSION_COOKIE_NAME']}="
        #: What Flask's after-request hooks add to a respondent's answer.
        self.headers = [
            *SECURITY_HEADERS.items(),
            ("Cache-Control", "no-store"),
            ("Vary", "Cookie"),
        ]
        if app.config.get("HSTS"):
            self.headers.append(HSTS_HEADER)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "POST") or not path.startswith(PREFIX):
            return self.wsgi_app(environ, start_response)
        cookies = environ.get("HTTP_COOKIE", "")
        query = environ.get("QUERY_STRING", "")
        if method == "POST":
            if self.session_cookie not in cookies:
                stored = self._store_answers(environ, start_response, path, cookies)
                if stored is not None:
                    return stored
            return self.wsgi_app(environ, start_response)
        if self.session_cookie in cookies or (query and query not in _KEPT_QUERIES):
            # A signed-in person (a preview, a waiting message), or an address with more in it
            # than a language: always Flask.
            return self.wsgi_app(environ, start_response)
        key = (
            path,
            query,
            _fallback_language(cookies, environ.get("HTTP_ACCEPT_LANGUAGE")),
            environ.get("HTTP_HOST", ""),
            environ.get("wsgi.url_scheme", ""),
            environ.get("SCRIPT_NAME", ""),
        )
        memo = cache.front_pages(self.app)
        kept: _Kept | None = memo.get(key)
        if kept is not None and kept.fresh():
            return self._give(kept, start_response)
        return self._through_flask(environ, start_response, memo, key)

    def _store_answers(
        self, environ: dict[str, Any], start_response: StartResponse, path: str, cookies: str
    ) -> Iterable[bytes] | None:
        """The last page of a kept questionnaire sent in by link or unit link, stored here when
        everything is in order: the same checks and the same store as respond.views, and the
        same redirect to the thank-you page. None: Flask answers instead (anything else, or a
        problem to show), from the same body."""
        match = _ANSWER_PATH.fullmatch(path)
        length = environ.get("CONTENT_LENGTH") or ""
        if (
            match is None
            or not environ.get("CONTENT_TYPE", "").startswith(_FORM)
            or not length.isdigit()
            or int(length) > (self.app.config["MAX_CONTENT_LENGTH"] or 0)
        ):
            return None
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)
        with self.app.app_context():
            try:
                location = self._store_if_final(environ, match, cookies)
            finally:
                environ["wsgi.input"] = io.BytesIO(body)
        if location is None:
            return None
        # Flask's redirect, with the headers its after-request hooks add (security, no-store).
        response = redirect(location, 303)
        response.headers.extend(self.headers)
        return response(environ, start_response)

    def _store_if_final(
        self, environ: dict[str, Any], match: re.Match[str], cookies: str
    ) -> str | None:
        """Where the respondent goes once the answers are stored, else None (nothing stored)."""
        token, unit_id = match.group(1), match.group(2)
        found = services.kept_questionnaire(token)
        if found is None:
            return None
        round_ = found.round
        if round_.requires_code or round_.status != "open":
            return None
        units = found.units
        if unit_id is not None:
            unit = next((u for u in units if u.id == int(unit_id)), None)
            if unit is None:
                return None
            units = []
        else:
            unit = units[0] if len(units) == 1 else None
            units = units if len(units) > 1 else []
        incoming = self.app.request_class(environ)
        try:
            form: MultiDict[str, str] = incoming.form
        except HTTPException:  # too large, say: Flask answers it as it always does
            return None
        args = incoming.args
        pages = len(round_.pages)
        if (
            "skjema" not in form
            or "bytt" in form
            or "bytt" in args
            or form.get("nav", "next") != "next"
            or form.get("side", "0") != str(pages - 1)
        ):
            return None
        form_token = services.read_form_token(round_, form["skjema"])
        if form_token.nonce is None:
            return None
        # As public.language(): the address's "sprak" before the form's, if it has one.
        chosen = args.get("sprak") if "sprak" in args else form.get("sprak")
        language = (
            chosen
            if chosen in SUPPORTED_LOCALES
            else _fallback_language(cookies, environ.get("HTTP_ACCEPT_LANGUAGE"))
        )
        with force_locale(language):
            step = answering.step(round_, form)
        if not step.done:
            return None
        if units:
            answered, unit = services.unit_answered(units, form.get(services.UNIT_FIELD, ""))
            if not answered:
                return None
        channel = "unit_link" if unit_id else "link"
        if services.code_needed(unit, channel):
            return None  # Flask asks for a code, with its message
        try:
            services.store(
                round_,
                step.answers,
                unit=unit,
                channel=channel,
                nonce=form_token.nonce,
            )
        except services.RoundChanged:
            environ[services.RECHECK] = True
            return None
        except services.StoreFailed:
            environ[services.STORE_FAILED] = True
            return None
        except (services.NotAccepted, services.AlreadySent):
            return None
        script = environ.get("SCRIPT_NAME", "")
        return f"{script}/s/{token}/takk?sprak={language}"

    def _give(self, kept: _Kept, start_response: StartResponse) -> list[bytes]:
        if kept.round_id is None:
            body = kept.parts[0]
        else:
            token = services.form_token_for(self.app.config["SECRET_KEY"], kept.round_id).encode()
            body = token.join(kept.parts)
        start_response(kept.status, [*kept.headers, ("Content-Length", str(len(body)))])
        return [body]

    def _through_flask(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        memo: cache.Memo,
        key: tuple[str, ...],
    ) -> Iterable[bytes]:
        sent: list[tuple[str, list[tuple[str, str]]]] = []

        def remember(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            sent.append((status, headers))
            return start_response(status, headers, *exc_info)

        body = self.wsgi_app(environ, remember)
        offered: Offer | None = environ.get(_OFFER)
        if offered is not None and sent:
            status, headers = sent[-1]
            names = {name.lower() for name, _value in headers}
            if status.startswith("200 ") and "set-cookie" not in names:
                parts = (
                    offered.html.encode().split(cache.TOKEN_PLACEHOLDER.encode())
                    if offered.round_id is not None
                    else [offered.html.encode()]
                )
                memo.put(
                    key,
                    _Kept(
                        status,
                        [(n, v) for n, v in headers if n.lower() != "content-length"],
                        tuple(parts),
                        offered.round_id,
                        offered.fresh,
                    ),
                )
        return body


def _fallback_language(cookies: str, accept_language: str | None) -> str:
    """The language used when the address names none: the cookie's, else the browser's."""
    chosen = parse_cookie(cookies).get(LANGUAGE_COOKIE) if LANGUAGE_COOKIE in cookies else None
    return locale_for(chosen, parse_accept_header(accept_language, LanguageAccept))


def init_app(app: Flask) -> None:
    app.wsgi_app = Front(app, app.wsgi_app)  # type: ignore[method-assign]
