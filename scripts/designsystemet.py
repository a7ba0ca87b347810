"""Vendor Designsystemet and the Aksel icons, and build the light stylesheet of public pages.

Usage (the Makefile's `make designsystemet` runs both):
  python scripts/designsystemet.py vendor NODE_MODULES   copy CSS, licences and icons from npm
  python scripts/designsystemet.py public                 rebuild respond.css, public.css, staff.css

respond.css and public.css hold only the rules public pages can use (respondent's pages; the
report, published and error pages): the Designsystemet theme and components plus the project's
app.css, purged against the words of the templates those pages render.
tests/web/test_design_system.py checks they are up to date.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "feedback" / "static"
VENDOR = STATIC / "vendor" / "designsystemet"
TEMPLATES = ROOT / "feedback" / "templates"
ICONS_MACRO = TEMPLATES / "macros" / "icons.html"

#: Aksel icon file name (without .svg) for each name the templates use.
ICONS = {
    # Filled, as Designsystemet's alerts draw them (macros/alerts.html).
    "alert-danger": "XMarkOctagonFill",
    "alert-info": "InformationSquareFill",
    "alert-success": "CheckmarkCircleFill",
    "alert-warning": "ExclamationmarkTriangleFill",
    "arrow-down": "ArrowDown",
    "arrow-left": "ArrowLeft",
    "arrow-right": "ArrowRight",
    "arrow-up": "ArrowUp",
    "bar-chart": "BarChart",
    "bell": "Bell",
    "calendar": "Calendar",
    "chat": "Chat",
    "check": "Checkmark",
    "check-circle": "CheckmarkCircle",
    "chevron-down": "ChevronDown",
    "chevron-right": "ChevronRight",
    "clipboard": "Clipboard",
    "clock": "Clock",
    "cog": "Cog",
    "download": "Download",
    "drag": "DragVertical",
    "envelope": "EnvelopeClosed",
    "exclamation": "ExclamationmarkTriangle",
    "external": "ExternalLink",
    "eye": "Eye",
    "file": "FileText",
    "house": "House",
    "info": "InformationSquare",
    "key": "KeyHorizontal",
    "language": "Language",
    "leave": "Leave",
    "menu": "MenuHamburger",
    "more": "MenuElipsisVertical",
    "padlock": "PadlockLocked",
    "pencil": "Pencil",
    "person": "Person",
    "people": "PersonGroup",
    "plus": "Plus",
    "printer": "PrinterSmall",
    "qr": "QrCode",
    "question": "QuestionmarkCircle",
    "shield": "ShieldLock",
    "tasklist": "Tasklist",
    "trash": "Trash",
    "upload": "Upload",
    "x": "XMark",
}

#: Templates every public page renders (directly or through includes and macros).
COMMON_TEMPLATES = [
    "base.html",
    "macros/text.html",
    "partials/brand.html",
    "partials/theme.html",
]
#: The form macros: every light sheet but the published page's (which has no form).
FORMS = "macros/forms.html"
#: Alerts, status tags and their icons (macros/alerts.html, tags.html): the reporter's case page
#: and the published page show them; the report's form, receipt and code pages none.
NOTICES = ["macros/alerts.html", "macros/icons.html", "macros/tags.html"]
#: The deviation report's pages with a form or a receipt (not the case page).
REPORT_PAGES = [
    "report/already_sent.html",
    "report/choose.html",
    "report/follow_up.html",
    "report/receipt.html",
    "report/report.html",
]
#: The purged sheets, each for the pages that link it (base.html; a template names its sheet
#: with ``light_sheet``): at most 30 KB with the HTML (tests/respond/test_weight.py and
#: tests/web/test_public_weight.py), so a page's sheet holds only what its pages use.
#: respond.css: the respondent's pages (the respond blueprint). preview.css: the designer's
#: preview of the questionnaire (respond.css with the preview's banner). public.css: the
#: deviation report's form, receipt and code pages (and errors/). followup.css: the reporter's
#: case page (status, messages, the answer form). published.css: "Dette sa dere – dette gjør vi".
SHEETS = {
    "respond.css": COMMON_TEMPLATES + [FORMS, "questionnaire/types/*.html", "respond/*.html"],
    "preview.css": COMMON_TEMPLATES + [FORMS, "questionnaire/types/*.html", "respond/*.html"],
    "public.css": COMMON_TEMPLATES + [FORMS, "errors/*.html", *REPORT_PAGES],
    "followup.css": COMMON_TEMPLATES + [FORMS, *NOTICES, "report/status.html"],
    "published.css": COMMON_TEMPLATES + [*NOTICES, "published/*.html"],
    # Staff pages: app.css and theme.css whole, and Designsystemet's components purged against
    # every template and script (the whole sheet's :has() selectors made a results page with
    # charts take 13 s instead of 2.5 s to lay out).
    "staff.css": ["**/*.html"],
}
#: Words WTForms writes for the forms of these pages (respond.css: the code form only; the
#: report form's RadioFields write type="radio").
SHEET_ELEMENTS = {
    "respond.css": {"<input"},
    "preview.css": {"<input"},
    "public.css": {"<input", "<select", "<textarea", "radio"},
    "followup.css": {"<input", "<textarea"},
    "published.css": set(),
    "staff.css": {"<input", "<select", "<textarea"},
}
#: Class-name prefixes public templates build from values (``status--{{ case.status }}``).
_BUILT = ("face--", "scale--", "scale-wrap--")
#: Read without pseudo-classes (see _CLASS_WITH_COLON), ``.skip-link:focus`` would be dropped
#: from the respondents' sheets and the skip link would never show.
_FOCUSED = ("skip-link",)
SAFELIST = {
    "respond.css": (*_BUILT, *_FOCUSED),
    "preview.css": (*_BUILT, *_FOCUSED),
    "public.css": (),
    "followup.css": ("status--",),
    "published.css": ("status--",),
    "staff.css": (*_BUILT, "status--", "notice--"),
}
#: Elements a selector may require: kept only if the templates write one.
ELEMENTS = {
    "select",
    "textarea",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "dialog",
    "details",
    "summary",
    "img",
    "svg",
    "iframe",
    "video",
    "meter",
    "progress",
    "output",
    "datalist",
}
#: Selectors the words would keep but no template uses (macros/forms.html never colours a
#: validation message; nothing public is a switch; .button is the staff pages' old name).
#: Firefox's prefixed pseudo-classes: every Firefox since 2020 takes the plain ones, kept too.
NEVER_USED = (
    ".ds-validation-message[data-color",
    ".ds-input[role=switch]",
    ".button",
    ".ds-input:-moz-",
    ".ds-input::-moz-",
)


def vendor(node_modules: Path) -> None:
    css = node_modules / "@digdir" / "designsystemet-css"
    theme = node_modules / "@digdir" / "designsystemet-theme"
    icons = node_modules / "@navikt" / "aksel-icons"
    VENDOR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(css / "dist" / "src" / "index.css", VENDOR / "designsystemet.css")
    shutil.copyfile(theme / "brand" / "digdir.css", VENDOR / "theme.css")
    shutil.copyfile(css / "LICENSE", VENDOR / "LICENSE")
    versions = {
        name: json.loads((path / "package.json").read_text())["version"]
        for name, path in (
            ("@digdir/designsystemet-css", css),
            ("@digdir/designsystemet-theme", theme),
            ("@navikt/aksel-icons", icons),
        )
    }
    (VENDOR / "VERSION").write_text(
        "".join(f"{name} {version} (MIT)\n" for name, version in versions.items())
    )
    _write_icons(icons / "dist" / "svg", versions["@navikt/aksel-icons"])
    build_public()


def _write_icons(folder: Path, version: str) -> None:
    lines = [
        "{# Generated by scripts/designsystemet.py from @navikt/aksel-icons "
        f"{version} (MIT, NAV). Do not edit. #}}",
        "{# An inline icon: decorative (aria-hidden) unless a label is given. #}",
        "{% set _paths = {",
    ]
    for name, file in sorted(ICONS.items()):
        svg = (folder / f"{file}.svg").read_text()
        inner = re.sub(r"^.*?<svg[^>]*>|</svg>\s*$", "", svg, flags=re.S).strip()
        inner = re.sub(r"\s*\n\s*", "", inner)
        lines.append(f"  {name!r}: {inner!r},")
    lines += [
        "} %}",
        "{% macro icon(name, label=None) -%}",
        '<svg class="ds-icon icon" width="1em" height="1em" viewBox="0 0 24 24" fill="none"'
        ' focusable="false"{% if label %} role="img" aria-label="{{ label }}"'
        '{% else %} aria-hidden="true"{% endif %}>{{ _paths[name] | safe }}</svg>',
        "{%- endmacro %}",
    ]
    ICONS_MACRO.write_text("\n".join(lines) + "\n")


# A small CSS purger: parse into blocks, keep selectors whose class names and attribute names
# occur in the templates, then keep only the custom properties the kept rules use.

Node = tuple[str, str, "list[Node] | None"]  # (kind, text, children): decl, rule, at, stmt


def parse(css: str) -> list[Node]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    nodes, position = _parse(css, 0)
    return nodes


def _parse(css: str, i: int) -> tuple[list[Node], int]:
    nodes: list[Node] = []
    start = i
    quote = ""
    depth = 0
    while i < len(css):
        c = css[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c == ";":
            text = css[start:i].strip()
            if text:
                nodes.append(("stmt" if text.startswith("@") else "decl", text, None))
            start = i + 1
        elif depth == 0 and c == "{":
            prelude = css[start:i].strip()
            children, i = _parse(css, i + 1)
            nodes.append(("at" if prelude.startswith("@") else "rule", prelude, children))
            start = i + 1
        elif depth == 0 and c == "}":
            text = css[start:i].strip()
            if text:
                nodes.append(("stmt" if text.startswith("@") else "decl", text, None))
            return nodes, i
        i += 1
    text = css[start:].strip()
    if text:
        nodes.append(("stmt" if text.startswith("@") else "decl", text, None))
    return nodes, i


def _split_selectors(prelude: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(prelude):
        depth += c in "([" and 1 or c in ")]" and -1 or 0
        if c == "," and depth == 0:
            parts.append(prelude[start:i].strip())
            start = i + 1
    parts.append(prelude[start:].strip())
    return parts


#: A class in a selector: word characters and hyphens, or any escaped character (``.\:hover``).
_CLASS = re.compile(r"\.((?:[\w-]|\\.)+)")
#: The reading the sheets were first built with: a colon taken into the class name, so every
#: ``.x:hover``, ``.x:focus``, ``.x:checked`` … was dropped (the skip link never showed on
#: focus). respond.css, preview.css and staff.css keep it for now: read right, respond.css
#: grows 3.3 KB and its pages go over 30 KB (see SHEET_PSEUDO).
_CLASS_WITH_COLON = re.compile(r"\.([\w\\:-]+)")


def _selector_used(
    selector: str, words: set[str], safe: tuple[str, ...] = (), pseudo: bool = True
) -> bool:
    """Whether every class and attribute the selector requires occurs in the templates
    (``pseudo``: a pseudo-class after a class is read as one, see _CLASS_WITH_COLON)."""
    outer, position = "", 0
    for match in re.finditer(r":([\w-]+)\(", selector):
        if match.start() < position:
            continue
        depth, end = 1, match.end()
        while depth and end < len(selector):
            depth += {"(": 1, ")": -1}.get(selector[end], 0)
            end += 1
        inner = selector[match.end() : end - 1]
        if match.group(1) in ("is", "where", "has", "matches") and not any(
            _selector_used(alternative, words, safe, pseudo)
            for alternative in _split_selectors(inner)
        ):
            return False
        outer += selector[position : match.start()]
        position = end
    outer += selector[position:]
    bare = re.sub(r"\[[^\]]*\]", " ", outer)
    tags = re.findall(r"(?<![\w.#:\\-])([a-z][a-z0-9]*)(?![\w(-])", bare)
    if any(tag in ELEMENTS and "<" + tag not in words for tag in tags):
        return False
    pattern = _CLASS if pseudo else _CLASS_WITH_COLON
    classes = [name.replace("\\", "") for name in pattern.findall(outer)]
    names = re.findall(r"\[([\w-]+)", outer)
    # [attr=value]: the value must occur too; :disabled and :indeterminate need their word.
    names += re.findall(r"\[[\w-]+[~|^$*]?=\s*[\"']?([\w-]+)", outer)
    names += re.findall(r":(disabled|indeterminate)\b", outer)
    return all("." + name in words or name.startswith(safe) for name in classes) and all(
        name in words for name in names
    )


def _purge_selectors(
    nodes: list[Node],
    words: set[str],
    safe: tuple[str, ...],
    never: tuple[str, ...] = NEVER_USED,
    pseudo: bool = True,
) -> list[Node]:
    kept: list[Node] = []
    for kind, text, children in nodes:
        if kind == "rule":
            selectors = [
                s
                for s in _split_selectors(text)
                if _selector_used(s, words, safe, pseudo) and not s.startswith(never)
            ]
            if not selectors:
                continue
            inner = _purge_selectors(children or [], words, safe, never, pseudo)
            kept.append((kind, ",".join(selectors), inner))
        elif kind == "at" and not text.startswith(("@keyframes", "@font-face")):
            inner = _purge_selectors(children or [], words, safe, never, pseudo)
            if any(k != "stmt" for k, _, _ in _walk(inner)):
                kept.append((kind, text, inner))
        elif not text.startswith("@charset"):
            kept.append((kind, text, children))
    return kept


def _walk(nodes: list[Node]) -> list[Node]:
    found: list[Node] = []
    for node in nodes:
        found.append(node)
        found.extend(_walk(node[2] or []))
    return found


def _purge_properties(nodes: list[Node]) -> list[Node]:
    defined: dict[str, list[str]] = {}
    used: set[str] = set()
    for kind, text, _ in _walk(nodes):
        if kind == "decl" and text.startswith("--"):
            name, _, value = text.partition(":")
            defined.setdefault(name.strip(), []).append(value)
        elif kind in ("decl", "rule", "at"):
            used.update(re.findall(r"var\(\s*(--[\w-]+)", text))
    todo = list(used)
    while todo:
        for value in defined.get(todo.pop(), []):
            for name in re.findall(r"var\(\s*(--[\w-]+)", value):
                if name not in used:
                    used.add(name)
                    todo.append(name)
    return _drop_properties(nodes, used)


def _drop_properties(nodes: list[Node], used: set[str]) -> list[Node]:
    kept: list[Node] = []
    for kind, text, children in nodes:
        if kind == "decl" and text.startswith("--") and text.partition(":")[0].strip() not in used:
            continue
        if kind == "decl" and text.startswith("-moz-"):  # every Firefox since 2022 needs none
            continue
        if children is not None:
            children = _drop_properties(children, used)
            if not any(k == "decl" for k, _, _ in _walk(children)):
                continue
        kept.append((kind, text, children))
    return kept


def _keep_keyframes(nodes: list[Node], animations: str | None = None) -> list[Node]:
    """Drop @keyframes no kept rule animates with, and @property rules no rule uses."""
    if animations is None:
        animations = " ".join(t for k, t, _ in _walk(nodes) if k == "decl" and "--" not in t[:2])
    kept: list[Node] = []
    for kind, text, children in nodes:
        if kind == "at" and text.startswith(("@keyframes", "@property")):
            if text.split()[-1] not in animations:
                continue
        elif children is not None:
            children = _keep_keyframes(children, animations)
        kept.append((kind, text, children))
    return kept


def _compound(selector: str) -> str | None:
    """The selector if it is one compound (no descendant, child or sibling combinator)."""
    depth = 0
    for c in selector:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(c, 0)
        if depth == 0 and c in " >+~":
            return None
    return selector


def _inline_component_properties(nodes: list[Node]) -> list[Node]:
    """Designsystemet's components name every value (``--dsc-button-background``) so that
    variants can change it. One the kept rules define once, on a single class, and use only on
    that same element (``.ds-button``, ``.ds-button:hover``) is never changed: write its value
    where it is used and drop the definition."""
    definers: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    users: dict[str, list[str]] = {}

    def collect(items: list[Node], selector: str) -> None:
        for kind, text, children in items:
            if kind == "decl" and text.startswith(("--dsc-", "--_dsc-")):
                name, _, value = text.partition(":")
                definers.setdefault(name.strip(), []).append(selector)
                values[name.strip()] = value.strip()
            elif kind == "decl":
                for name in re.findall(r"var\((--_?dsc-[\w-]+)", text):
                    users.setdefault(name, []).append(selector)
            if children is not None:
                collect(children, text if kind == "rule" else selector)

    collect(nodes, "")
    single: dict[str, str] = {}
    for name, where in definers.items():
        if len(where) != 1 or not re.fullmatch(r"\.[\w-]+", where[0]) or "{" in values[name]:
            continue
        base = where[0]
        if all(
            _compound(one) is not None and re.match(re.escape(base) + r"(?![\w-])", one)
            for selector in users.get(name, [])
            for one in _split_selectors(selector)
        ):
            single[name] = values[name]
    if not single:
        return nodes

    def replace(text: str) -> str:
        return re.sub(
            r"var\((--_?dsc-[\w-]+)\)", lambda m: single.get(m.group(1), m.group(0)), text
        )

    def rewrite(items: list[Node]) -> list[Node]:
        kept: list[Node] = []
        for kind, text, children in items:
            if kind == "decl" and text.partition(":")[0].strip() in single:
                continue
            new_children = rewrite(children) if children is not None else None
            kept.append((kind, replace(text) if kind == "decl" else text, new_children))
        return kept

    # Values naming other component properties: resolve those first, a few rounds.
    for _ in range(3):
        single = {name: replace(value) for name, value in single.items()}
    return rewrite(nodes)


def _merge_layers(nodes: list[Node]) -> list[Node]:
    """Neighbouring blocks of the same @layer as one block."""
    merged: list[Node] = []
    for kind, text, children in nodes:
        if children is not None:
            children = _merge_layers(children)
        previous = merged[-1] if merged else None
        if kind == "at" and text.startswith("@layer") and previous and previous[1] == text:
            merged[-1] = (kind, text, (previous[2] or []) + (children or []))
        else:
            merged.append((kind, text, children))
    return merged


def serialise(nodes: list[Node]) -> str:
    out = []
    for kind, text, children in nodes:
        text = re.sub(r"\s+", " ", text)
        if kind == "decl" and '"' not in text:
            name, _, value = text.partition(":")
            value = re.sub(r"\s*,\s*", ",", value.strip())
            if "url(" not in value:
                value = re.sub(r"\s*([*/])\s*", r"\1", value)
            text = name.strip() + ":" + value
        if children is None:
            out.append(text + ";")
        else:
            body = serialise(children).rstrip(";")
            out.append(f"{text}{{{body}}}")
    return "".join(out)


def _class_texts(template: str) -> list[str]:
    """What can become a class: class="…" attributes, class_='…' arguments and 'class': … values
    (with the Jinja inside them)."""
    found = re.findall(r"\bclass_?\s*=\s*\"([^\"]*)\"", template)
    found += re.findall(r"\bclass_?\s*=\s*'([^']*)'", template)
    found += re.findall(r"'class':[^}\n]*", template)
    return found


def template_words(patterns: list[str]) -> set[str]:
    """Every word of the templates, "<tag" for every element and ".name" for every word that
    can be part of a class attribute."""
    words: set[str] = set()
    for pattern in patterns:
        for path in sorted(TEMPLATES.glob(pattern)):
            text = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)
            words.update(re.findall(r"[\w-]+", text))
            words.update("<" + tag for tag in re.findall(r"<([a-z][a-z0-9]*)", text))
            words.update("." + name for name in re.findall(r"[\w-]+", " ".join(_class_texts(text))))
    # What icons.html writes through a macro (forms.html's WTForms widgets: SHEET_ELEMENTS).
    return words | {"<svg", ".ds-icon", ".icon"}


def purge(
    css: str,
    words: set[str],
    safe: tuple[str, ...] = (),
    never: tuple[str, ...] = (),
    pseudo: bool = True,
) -> str:
    nodes = _purge_selectors(parse(css), words, safe, NEVER_USED + never, pseudo)
    nodes = _inline_component_properties(_keep_keyframes(_purge_properties(nodes)))
    return serialise(_merge_layers(_drop_fallbacks(nodes)))


def _drop_fallbacks(nodes: list[Node]) -> list[Node]:
    """``var(--ds-x, #123)`` as ``var(--ds-x)`` where the sheet defines --ds-x anyway. Not an
    empty fallback: ``var(--ds-size,)`` is the theme's switch for the size modes."""
    defined = {
        text.partition(":")[0].strip()
        for kind, text, _ in _walk(nodes)
        if kind == "decl" and text.startswith("--")
    }

    def simpler(match: re.Match[str]) -> str:
        return f"var({match.group(1)})" if match.group(1) in defined else match.group(0)

    def rewrite(items: list[Node]) -> list[Node]:
        return [
            (
                kind,
                re.sub(r"var\((--ds-[\w-]+),\s*[^()\s][^()]*\)", simpler, text)
                if kind == "decl"
                else text,
                rewrite(children) if children is not None else None,
            )
            for kind, text, children in items
        ]

    return rewrite(nodes)


#: Per sheet, selectors its pages never show: the preview banner is in respond/questionnaire.html,
#: but the preview is the designer's page (preview.css). The report's pages: no checkbox (the
#: macro's BooleanField branch is for staff forms), no alert that starts with a heading, no
#: right-to-left language.
#: Light sheets: no icon before a field's error message (1.7 KB of data URL; the message is
#: red, bold and starts with a hidden "Error:").
_LIGHT_NEVER = (".ds-validation-message:before",)
_REPORT_NEVER = (
    *_LIGHT_NEVER,
    ".ds-input::placeholder",  # no field of these pages has a placeholder
    ".ds-input:is(select):open",  # the open list's look in browsers that style it
    # The form macros' texts in three languages and the kiosk: staff and respondents' pages.
    ".local-text",
    ".required",
    ".optional",
    ".kiosk",
    ".ds-input[type=checkbox]",
    'input[type="checkbox"]',
    ".checkbox-row",
    ".ds-alert>:is(h1",
    ":dir(rtl)",
    # Designsystemet's alert icon (a mask) is off: macros/alerts.html writes Aksel's.
    ".ds-alert:not(:has(",
    # No card or tag on a public page is a link or a button.
    ".ds-card:where(a",
    ":is(.ds-card:where(a",
    ":is(:is(.ds-card:where(a",
    ".ds-tag:focus-visible",
    ".ds-tag:is(button",
    # No card inside a card, and none that takes focus.
    ".ds-card .ds-card",
    '.ds-card[tabindex="-1"]',
)
#: The sheets whose selectors are read right, pseudo-classes after a class included (the
#: report's and the published pages': their hover, focus and checked states and the skip link
#: on focus). The others still drop them (_CLASS_WITH_COLON): to be fixed with room found in
#: respond.css, and staff.css's layout time measured (its :has() selectors).
SHEET_PSEUDO = frozenset({"public.css", "followup.css", "published.css"})
SHEET_NEVER_USED = {
    "respond.css": (*_LIGHT_NEVER, ".preview-banner", ".ds-button > .icon"),
    "preview.css": _LIGHT_NEVER,
    "public.css": _REPORT_NEVER,
    "followup.css": _REPORT_NEVER,
    "published.css": _REPORT_NEVER,
    "staff.css": (),
}


def public_css(sheet: str) -> str:
    """One purged sheet: respond.css and public.css hold the theme, the components and app.css
    (the only sheet those pages link); staff.css only the components."""
    staff = sheet == "staff.css"
    sources = [VENDOR / "designsystemet.css"]
    if not staff:
        sources = [VENDOR / "theme.css", *sources, STATIC / "css" / "app.css"]
    css = "\n".join(path.read_text() for path in sources)
    # Short: respondent pages count every byte. The licence is LICENSE beside this file.
    header = "/* Designsystemet (MIT, Digdir)" + ("" if staff else ", app.css") + ": make css */\n"
    words = template_words(SHEETS[sheet]) | SHEET_ELEMENTS[sheet]
    if staff:
        for script in (STATIC / "js").glob("*.js"):
            found = re.findall(r"[\w-]+", script.read_text())
            words |= set(found) | {"." + word for word in found}
    # The layer order first (as app.css declares it): element defaults below Designsystemet.
    order = "@layer ds.theme,ds.base,ds.components;" if staff else "@layer app-base,ds;"
    never = SHEET_NEVER_USED[sheet]
    pseudo = sheet in SHEET_PSEUDO
    if pseudo:
        css = _without_rounding(css)
    return header + order + purge(css, words, SAFELIST[sheet], never, pseudo) + "\n"


def _without_rounding(css: str) -> str:
    """The theme without its ``@supports (width: round(…))`` blocks, which only round the
    sizes to whole pixels: at the theme's default (18 px base, 4 px steps at 16 px to the rem)
    every size is whole anyway, so the report's and published pages save 1.1 KB."""
    nodes = parse(css)

    def keep(items: list[Node]) -> list[Node]:
        return [
            (kind, text, keep(children) if children is not None else None)
            for kind, text, children in items
            if not (kind == "at" and text.startswith("@supports") and "round(" in text)
        ]

    return serialise(keep(nodes))


def build_public() -> None:
    for sheet in SHEETS:
        (VENDOR / sheet).write_text(public_css(sheet))


if __name__ == "__main__":
    if sys.argv[1:2] == ["vendor"]:
        vendor(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["public"]:
        build_public()
    else:
        sys.exit(__doc__)
