"""gunicorn's access log without the secrets some addresses carry.

An invitation (``/invitasjon/<secret>``) and a link to choose a new password
(``/passord/<secret>``) are opened by their secret in the address: whoever reads the access log
could otherwise use a link that has not been opened yet. gunicorn.conf.py names this class.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from feedback.logs import mask_secret_paths

#: Atoms that hold the path: the path alone, and the request line.
_PATH_ATOMS = ("U", "r")


class AccessLog(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in _PATH_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = mask_secret_paths(atoms[name])
        return atoms
