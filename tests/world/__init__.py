"""The one test world: every test area builds its organisations, units, people, rounds and
answers here, on top of the primitives in tests/factories.py.

The place (``build_place``, fixture ``place``): Fjordvik kommune (slug ``fjordvik``) with a unit
tree and the default deviation categories, and Nabokommunen (``nabo``) with one unit. The people
(``PEOPLE``) sign in with ``tests.conftest.PASSWORD``:

- kari: the quality group (user representative); fag: the quality group (professional);
  gone: a quality-group member who left (inactive);
- leder: manager of "Psykisk helse" (and so Solsiden and Møteplassen below it);
- rusleder: manager of "Rusteamet" (and so Døra below it);
- admin: the administrator; nabo: the quality group of Nabokommunen; norole: no role at all.

``build_place(units=..., people=...)`` replaces the unit tree or keeps only some people, for
tests whose rounds bring units of their own or that need every other address to be unknown.

Rounds and answers: ``document``/``likert``/``questionnaire`` write questionnaires,
``make_round`` adds a round, ``store_response``/``store_many`` store answers through the
answering service (so the tallies are kept exactly as in production) and publish them;
``add_evaluation_rounds``, ``make_point`` and ``make_evaluation`` build the evaluation's data
(its area tests and the browser tests use them), ``make_token`` a personal API key. An area's
conftest adds only what that area alone needs, built from these functions.

The public side: ``Reporter`` uses the deviation report pages like a browser without cookies.

Fixtures (a pytest plugin, named in tests/conftest.py): ``place``, ``reporter``, ``people`` (the
world without its unit tree, as a dict of ids, for the designer and answering tests), ``kari``
(the client signed in as Kari) and ``survey`` (an open round in Fjordvik kommune with two units
of its own).

The package: ``base`` (the place, people, rounds, answers, evaluations, the reporter and their
fixtures), ``results`` (the results rounds: fixtures ``results_place``, ``results_answered``,
``results_client``), ``exports`` (the exports' round: ``build_export_round``) and ``respondent``
(``Respondent``). The package is a pytest plugin (tests/conftest.py names it), so the fixtures
it imports reach every test; import helpers from ``tests.world``.
"""

from tests.world.base import *  # noqa: F403
from tests.world.base import __all__ as _base
from tests.world.base import api, kari, people, place, reporter, survey  # noqa: F401 - fixtures
from tests.world.exports import *  # noqa: F403
from tests.world.exports import __all__ as _exports
from tests.world.respondent import TOKEN, Respondent
from tests.world.results import *  # noqa: F403
from tests.world.results import __all__ as _results
from tests.world.results import (  # noqa: F401 - fixtures
    results_answered,
    results_client,
    results_place,
)

__all__ = [*_base, *_results, *_exports, "Respondent", "TOKEN"]
