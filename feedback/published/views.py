"""The public page "Dette sa dere – dette gjør vi".

No login, no session and no cookie (the page has no form); the language comes from ?sprak=.
"""

from __future__ import annotations

from feedback.evaluation.services import STATUS_LABELS
from feedback.published import services
from feedback.web.public import language_links, render_public


def page(slug: str) -> str:
    organisation = services.organisation_by_slug(slug)
    return render_public(
        "published/page.html",
        language_links("published.page", slug=organisation.slug),
        organisation=organisation,
        brand_organisation=organisation,
        rounds=services.published_rounds(organisation),
        status_labels=STATUS_LABELS,
    )
