"""Who may use the designer: the quality group and admins edit; managers read too. Anyone else
gets the 404 page, so the designer's addresses tell nothing about what exists."""

from __future__ import annotations

from feedback.web.access import role_required

EDITORS = ("quality", "admin")
READERS = ("quality", "admin", "manager")

edit_access = role_required(*EDITORS, denied=404)
read_access = role_required(*READERS, denied=404)
