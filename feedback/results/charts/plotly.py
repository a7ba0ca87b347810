"""The plotly.js that draws the charts: served by the app itself from the Python ``plotly``
package (no other host, ever), found without importing the package."""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import NamedTuple

_PLOTLY_VERSION = re.compile(rb"plotly\.js v(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)")
#: plotly.js adds its base rules in a <style> element unless an element with this id and the
#: class "no-inline-styles" is on the page (its own switch for a strict CSP).
PLOTLY_STYLE_ID = "plotly.js-style-global"
#: The bundle also adds the CSS of the map library it carries (83 kB, for map traces only) in a
#: <style> element unless an element with its id exists; the CSP would refuse it.
_BUNDLED_STYLE = re.compile(
    rb'getElementById\("([0-9A-Za-z_-]{16,})"\)\)\{var [\w$]+=document\.createElement\("style"\)'
)


class PlotlyJs(NamedTuple):
    path: Path
    version: str
    #: Ids of elements that stop plotly.js adding <style> elements (see chart_scripts()).
    style_ids: tuple[str, ...]


@cache
def plotly_js() -> PlotlyJs | None:
    """plotly.min.js from the installed ``plotly`` package, its plotly.js version and the ids
    that keep it from adding <style> elements.

    The version comes from the file's header comment ("plotly.js v4.1.1"), else it is the Python
    package's version. Read once per process; the package is found without importing it.
    """
    spec = find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    if not path.is_file():
        return None
    content = path.read_bytes()
    match = _PLOTLY_VERSION.search(content, 0, 512)
    version = match.group(1).decode("ascii") if match else metadata.version("plotly")
    bundled = dict.fromkeys(m.group(1).decode("ascii") for m in _BUNDLED_STYLE.finditer(content))
    return PlotlyJs(path, version, (PLOTLY_STYLE_ID, *bundled))


def plotly_version() -> str | None:
    """For templates: the version in the URL of the served plotly.js (None: not installed)."""
    found = plotly_js()
    return found.version if found else None


def plotly_style_ids() -> tuple[str, ...]:
    """For templates: ids for the elements that tell plotly.js its styles are in app.css."""
    found = plotly_js()
    return found.style_ids if found else ()
