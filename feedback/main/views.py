from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from feedback.i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_AGE, SUPPORTED_LOCALES, safe_next
from feedback.results.charts import plotly as charts
from feedback.vocabulary import REPRESENTATION_LABELS, ROLE_LABELS
from feedback.web import access
from feedback.web.access import login_required


def index() -> str:
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    return render_template(
        "main/index.html",
        organisation=access.current_organisation(),
        organisations=access.user_organisations(),
        memberships=access.current_memberships(),
        role_labels=ROLE_LABELS,
        representation_labels=REPRESENTATION_LABELS,
    )


def set_language(code: str) -> Response:
    if code not in SUPPORTED_LOCALES:
        abort(404)
    response = redirect(safe_next(request.args.get("next"), url_for("main.index")))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=int(LANGUAGE_COOKIE_AGE.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@login_required
def choose_organisation() -> Response:
    organisation_id = request.form.get("organisation_id", type=int)
    if organisation_id is None or not access.choose_organisation(organisation_id):
        abort(404)
    return redirect(url_for("main.index"))


#: A year: the URL holds the version, so a new plotly.js gets a new URL.
PLOTLY_MAX_AGE = 31536000


def plotly_js(version: str) -> Response:
    """plotly.js for the charts, from the installed plotly package: no other host is needed."""
    found = charts.plotly_js()
    if found is None or version != found.version:
        abort(404)
    response = send_file(found.path, mimetype="text/javascript", max_age=PLOTLY_MAX_AGE)
    response.cache_control.immutable = True
    return response


def plotly_version() -> str | None:
    """The plotly.js version for url_for('main.plotly_js', version=plotly_version())."""
    return charts.plotly_version()


def plotly_style_ids() -> tuple[str, ...]:
    """Ids of elements that keep plotly.js from adding <style> elements (the CSP refuses them)."""
    return charts.plotly_style_ids()
