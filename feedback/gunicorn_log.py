"""gunicorn's logs without the secrets some addresses carry, and without respondents.

An invitation (``/invitasjon/<secret>``) and a link to choose a new password
(``/passord/<secret>``) are opened by their secret in the address: whoever reads the access log
could otherwise use a link that has not been opened yet. The requests of respondents and
anonymous reporters are not logged at all (``FEEDBACK_LOG_PUBLIC_REQUESTS=masked``: logged as
``POST /s/*``), see feedback.logs. gunicorn.conf.py names this class.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from feedback.config import public_requests_mode
from feedback.logs import is_public_path, mask_secret_paths


class AccessLog(Logger):  # type: ignore[misc]  # gunicorn ships no types
    def __init__(self, cfg: Any) -> None:
        # Read before gunicorn starts any worker: a wrong value stops it at once.
        self.public_requests = public_requests_mode(os.environ)
        super().__init__(cfg)

    @staticmethod
    def _is_public(environ: Any) -> bool:
        # PATH_INFO is the path as Flask routes it; RAW_URI as the client wrote it.
        raw = str(environ.get("RAW_URI") or "").partition("?")[0]
        return is_public_path(str(environ.get("PATH_INFO") or "")) or is_public_path(raw)

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if self.public_requests != "masked" and self._is_public(environ):
            return
        super().access(resp, req, environ, request_time)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        if self._is_public(environ):
            atoms["q"] = ""  # the query string (a language, a unit) goes too
        # Every atom that may hold an address: the path (U), the request line (r), the
        # referer (f) and the {...}i / {...}e header and environment atoms.
        for name, value in atoms.items():
            if isinstance(value, str) and "/" in value:
                atoms[name] = mask_secret_paths(value)
        return atoms

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        # "Error handling request /s/<token>/6": gunicorn names the address of a request that
        # failed outside Flask.
        super().exception(*self._masked(msg, args), **kwargs)

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().error(*self._masked(msg, args), **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        super().warning(*self._masked(msg, args), **kwargs)

    @staticmethod
    def _masked(msg: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        masked = [mask_secret_paths(a) if isinstance(a, str) else a for a in args]
        return (mask_secret_paths(msg) if isinstance(msg, str) else msg, *masked)
