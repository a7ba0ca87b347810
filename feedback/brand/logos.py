"""An uploaded logo, checked by its content (never its name): a PNG of sane size, or an SVG made
safe by keeping only known drawing elements and attributes.

What an SVG loses: scripts, event handlers (``on*``), ``foreignObject``, embedded images and
links, every reference that is not to the same document (``href`` not starting with ``#``), and
styles that load something (``url(`` other than ``url(#…)``, ``@import``). A document type
declaration (and so any entity) refuses the file outright.
"""

from __future__ import annotations

import hashlib
import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

#: The largest logo file taken.
MAX_BYTES = 200 * 1024
#: A PNG's largest width and height in pixels (a logo is shown at most a few hundred wide).
MAX_PIXELS = 2000
MIN_PIXELS = 16

PNG = "image/png"
SVG = "image/svg+xml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

#: Drawing elements an SVG logo may keep (everything else goes, with what is inside it).
ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "symbol", "use", "title", "desc", "path", "rect", "circle",
        "ellipse", "line", "polyline", "polygon", "text", "tspan", "linearGradient",
        "radialGradient", "stop", "clipPath", "mask", "pattern", "style",
    }
)  # fmt: skip

#: A style that loads something: url(...) not pointing into the document, or an @import.
_LOADS = re.compile(r"url\(\s*(?!['\"]?#)|@import|expression\(|javascript:", re.IGNORECASE)


class LogoRefused(ValueError):
    """The file cannot be a logo; the message says why (shown next to the field)."""


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check(data: bytes) -> Logo:
    """The logo to store (an SVG sanitised), or LogoRefused."""
    if len(data) > MAX_BYTES:
        raise LogoRefused(
            _l("The file is %(size)d KB; a logo can be at most %(max)d KB.",
               size=-(-len(data) // 1024), max=MAX_BYTES // 1024)
        )  # fmt: skip
    if data.startswith(PNG_SIGNATURE):
        return Logo(_check_png(data), PNG)
    if _looks_like_svg(data):
        return Logo(sanitise_svg(data), SVG)
    raise LogoRefused(_l("The file is not a PNG or SVG image. Choose a logo saved as PNG or SVG."))


def _check_png(data: bytes) -> bytes:
    # The first chunk of every PNG is IHDR: length 13, then width and height.
    if len(data) < 33 or data[12:16] != b"IHDR" or not data.endswith(b"IEND\xaeB`\x82"):
        raise LogoRefused(
            _l("The PNG file is damaged. Save the logo again and choose the new file.")
        )
    width, height = struct.unpack(">II", data[16:24])
    if not (MIN_PIXELS <= width <= MAX_PIXELS and MIN_PIXELS <= height <= MAX_PIXELS):
        raise LogoRefused(
            _l("The image is %(width)d × %(height)d pixels; a logo must be from %(min)d to"
               " %(max)d pixels wide and high.",
               width=width, height=height, min=MIN_PIXELS, max=MAX_PIXELS)
        )  # fmt: skip
    return data


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:4096].lower()


def _local(name: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag or attribute name."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


def sanitise_svg(data: bytes) -> bytes:
    """The SVG with only safe elements and attributes, as UTF-8; LogoRefused if it is not one."""
    unreadable = LogoRefused(_l("The SVG file could not be read. Save the logo again as SVG."))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise unreadable from error
    if "<!doctype" in text.lower() or "<!entity" in text.lower():
        raise LogoRefused(_l("The SVG file has a document type declaration. Save it without."))
    try:
        # Safe here: a DOCTYPE (so any entity) is refused above, and ElementTree fetches nothing.
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError as error:
        raise unreadable from error
    if _local(root.tag) != (SVG_NS, "svg"):
        raise unreadable
    _clean(root)
    if not any(
        _local(e.tag)[1] not in ("svg", "title", "desc", "defs", "style") for e in root.iter()
    ):
        raise LogoRefused(_l("The SVG file draws nothing once unsafe parts are removed."))
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode").encode("utf-8")


def _clean(element: ET.Element) -> None:
    for child in list(element):
        namespace, local = _local(child.tag) if isinstance(child.tag, str) else ("", "")
        if namespace != SVG_NS or local not in ELEMENTS:
            element.remove(child)
            continue
        if local == "style" and _LOADS.search(child.text or ""):
            element.remove(child)
            continue
        _clean(child)
    for name in list(element.attrib):
        namespace, local = _local(name)
        value = element.attrib[name]
        if (
            namespace not in ("", XLINK_NS)
            or local.lower().startswith("on")
            or (local == "href" and not value.strip().startswith("#"))
            or _LOADS.search(value)
        ):
            del element.attrib[name]
