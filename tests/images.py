"""Logo files for the brand tests and the identity browser test: real PNGs made byte by byte,
and SVGs good and bad."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 64, height: int = 32) -> bytes:
    """A real (grey) PNG of this size."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40" width="100" height="40">'
    "<title>Fjordvik</title>"
    '<rect x="0" y="0" width="40" height="40" fill="#0062ba"/>'
    '<circle cx="70" cy="20" r="15" fill="#b3261e"/>'
    '<path d="M0 0 L10 10" stroke="#000"/>'
    "</svg>"
)

HOSTILE_SVG = (
    '<?xml version="1.0"?>'
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    ' viewBox="0 0 100 40" onload="alert(1)">'
    "<script>alert(2)</script>"
    '<foreignObject width="10" height="10"><p xmlns="http://www.w3.org/1999/xhtml">x</p>'
    "</foreignObject>"
    '<image href="https://tracker.example/pixel.png" width="1" height="1"/>'
    '<a href="https://evil.example"><text x="1" y="10">link</text></a>'
    '<use xlink:href="https://evil.example/sprite.svg#icon"/>'
    '<use href="#shape"/>'
    "<style>@import url(https://evil.example/x.css); rect { fill: red }</style>"
    '<rect id="shape" width="40" height="40" fill="#0062ba" onclick="alert(3)"'
    ' style="fill: url(https://evil.example/p.png)"/>'
    '<rect width="10" height="10" fill="url(#grad)"/>'
    "</svg>"
)
