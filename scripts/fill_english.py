"""Fill empty messages of the English catalog with the English msgid (source text is English).

Run after `pybabel update`; messages already translated (edited wording) are kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(sys.argv[1] if len(sys.argv) > 1 else "translations/en/LC_MESSAGES/messages.po")
with path.open("rb") as handle:
    catalog = read_po(handle, locale="en")
filled = 0
for message in catalog:
    if not message.id:
        continue
    if "fuzzy" in message.flags:  # a guess from a similar message: start from the source
        message.string = message.id if not message.pluralizable else ("", "")
    if message.pluralizable:
        if not all(message.string):
            message.string = (message.id[0], message.id[1])
            filled += 1
    elif not message.string:
        message.string = message.id
        filled += 1
    if "fuzzy" in message.flags:
        message.flags.discard("fuzzy")
with path.open("wb") as handle:
    write_po(handle, catalog, no_location=True, sort_output=True, width=100)
print(f"{path}: filled {filled} messages")
