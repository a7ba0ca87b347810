"""Logo files are checked by their content: PNG of sane size, SVG made safe."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from feedback.brand import logos
from tests.images import HOSTILE_SVG, SVG, png

NS = "{http://www.w3.org/2000/svg}"


def test_a_png_is_taken_as_it_is() -> None:
    data = png(120, 40)
    logo = logos.check(data)
    assert logo.content_type == "image/png"
    assert logo.data == data
    assert len(logo.fingerprint) == 64


def test_an_svg_keeps_its_shapes_and_title() -> None:
    logo = logos.check(SVG.encode())
    assert logo.content_type == "image/svg+xml"
    root = ET.fromstring(logo.data)  # noqa: S314 - the app's own output
    assert root.tag == f"{NS}svg"
    assert root.get("viewBox") == "0 0 100 40"
    assert [e.tag.removeprefix(NS) for e in root] == ["title", "rect", "circle", "path"]
    assert root.find(f"{NS}circle").get("fill") == "#b3261e"  # type: ignore[union-attr]


def test_a_hostile_svg_loses_everything_that_runs_or_loads() -> None:
    cleaned = logos.check(HOSTILE_SVG.encode()).data.decode()
    for gone in (
        "script", "alert", "onload", "onclick", "foreignObject", "<image", "tracker.example",
        "evil.example", "@import", "<a ",
    ):  # fmt: skip
        assert gone not in cleaned, gone
    root = ET.fromstring(cleaned)  # noqa: S314 - the app's own output
    # The drawing and the references inside the document stay.
    rects = root.findall(f"{NS}rect")
    assert [r.get("id") for r in rects] == ["shape", None]
    assert rects[1].get("fill") == "url(#grad)"
    assert "style" not in rects[0].attrib
    uses = root.findall(f"{NS}use")
    assert [u.attrib for u in uses] == [{}, {"href": "#shape"}]


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body><script>alert(1)</script></body></html>",
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",  # a PNG that is HTML
        b"GIF89a\x01\x00\x01\x00",
        b"",
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "boom">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect',  # broken
        b'<svg><rect width="1" height="1"/></svg>',  # not the SVG namespace
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',  # nothing left
        "<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>".encode("utf-16"),
    ],
)
def test_what_is_not_a_png_or_a_safe_svg_is_refused(data: bytes) -> None:
    with pytest.raises(logos.LogoRefused):
        logos.check(data)


@pytest.mark.parametrize(("width", "height"), [(8, 40), (40, 8), (2001, 40), (40, 5000)])
def test_a_png_of_odd_size_is_refused(width: int, height: int) -> None:
    with pytest.raises(logos.LogoRefused):
        logos.check(png(width, height))


def test_a_file_over_the_limit_is_refused_whatever_it_is() -> None:
    big = SVG.replace("</svg>", "<!--" + "x" * logos.MAX_BYTES + "--></svg>").encode()
    with pytest.raises(logos.LogoRefused):
        logos.check(big)
    assert len(logos.check(SVG.encode()).data) < logos.MAX_BYTES
