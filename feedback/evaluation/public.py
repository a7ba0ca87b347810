"""The public page "Dette sa dere – dette gjør vi": per organisation, what the quality group
published about each round and the action points it chose to show.

No login, no session and no cookie (the page has no form); the language comes from ?sprak=.
"""

from __future__ import annotations

from feedback.evaluation import public_bp as bp
from feedback.evaluation import services
from feedback.public import language_links, never_store, render_public

# What the group takes off the page must not stay in a cache.
bp.after_request(never_store)


@bp.route("/<slug>")
def page(slug: str) -> str:
    organisation = services.organisation_by_slug(slug)
    return render_public(
        "evaluation/public.html",
        language_links("published.page", slug=organisation.slug),
        organisation=organisation,
        rounds=services.published_rounds(organisation),
        status_labels=services.STATUS_LABELS,
    )
