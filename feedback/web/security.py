"""Response headers, the session cookie, and forms without nameless parts. (The idle timeout of
signed-in sessions is feedback.auth.hooks.enforce_idle_timeout.)"""

from __future__ import annotations

from typing import IO, Any

from flask import Flask, Request, Response, current_app, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.datastructures import MultiDict
from werkzeug.formparser import FormDataParser

#: No inline script and no other host, for every page (non-negotiable 6).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Links out of the app never tell the other site which page (or survey) someone was on.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

#: Files the same for everyone (versioned addresses): cacheable, and no sign of activity.
STATIC_ENDPOINTS = frozenset(
    {"static", "main.plotly_js", "brand.logo", "brand.theme_css", "brand.respond_theme_css"}
)


#: Sent when HSTS is set (only meaningful behind HTTPS).
HSTS_HEADER = ("Strict-Transport-Security", "max-age=31536000")


def _add_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("HSTS"):
        response.headers.setdefault(*HSTS_HEADER)
    if _signed_in_session() and request.endpoint not in STATIC_ENDPOINTS:
        # Pages behind the login must not stay in shared caches or the back button.
        response.headers["Cache-Control"] = "no-store"
    return response


def _signed_in_session() -> bool:
    """A request from a signed-in session, told without loading the user: this runs for every
    answer, error pages too, also while the database is away."""
    return "_user_id" in session


class _NamedPartsOnly(FormDataParser):
    """Drops multipart parts that have no name. werkzeug keeps them under the key None, which no
    browser sends and which broke code that reads the names (Flask-WTF's CSRF check, the
    questionnaire's check for stray answers): a crafted request got a 500."""

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[IO[bytes], MultiDict[str, Any], MultiDict[str, Any]]:
        stream, form, files = super().parse(stream, mimetype, content_length, options)
        return stream, self._named(form), self._named(files)

    def _named(self, data: MultiDict[str, Any]) -> MultiDict[str, Any]:
        if None not in data:
            return data
        kept = []
        for key, value in data.items(multi=True):
            if key is not None:
                kept.append((key, value))
            elif hasattr(value, "close"):
                value.close()  # a nameless file part: its temporary file is no one's to close
        return self.cls(kept)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building a signing serializer for a request that
    brings no session cookie (every respondent's and reporter's request)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


class NamedFormRequest(Request):
    """The app's request: forms without nameless parts, and HEAD seen as the GET it stands for.

    HEAD is GET without the body (RFC 9110, 9.3.2). Views told a page from a sent form with
    ``request.method == "GET"``, so a HEAD counted as a sent, empty form and got 400. Here the
    views (and Flask-WTF, Flask-Login) see GET; werkzeug still answers without a body, since
    it reads the method from the WSGI environ, as routing and the access log do.
    """

    form_data_parser_class = _NamedPartsOnly

    def __init__(self, environ: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(environ, *args, **kwargs)
        if self.method == "HEAD":
            self.method = "GET"


def init_app(app: Flask) -> None:
    app.request_class = NamedFormRequest
    app.session_interface = CookieSessions()
    app.after_request(_add_headers)
