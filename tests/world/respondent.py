"""A respondent that walks a questionnaire the way a browser without JavaScript does (the
answering, fieldwork and questionnaire tests use it)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

TOKEN = re.compile(r'name="skjema" value="([^"]+)"')


class Respondent:
    """Answers like a browser without JavaScript: each page's form carries the hidden fields
    the server rendered (the form token, the page number and earlier answers), and a sent page
    is answered with a redirect to the next page's address, which it follows."""

    def __init__(self, client: FlaskClient, url: str) -> None:
        self.client = client
        self.url = url
        self.html = ""
        self.response: Any = None
        #: The address of the page shown last (with its form token and page number).
        self.page_url = ""

    def start(self, **kwargs: Any) -> Respondent:
        """Open the questionnaire: its address redirects to the first page's own address."""
        self.response = self._to_page(self.client.get(self.url, **kwargs), **kwargs)
        self.html = self.response.get_data(as_text=True)
        return self

    def _to_page(self, response: Any, **kwargs: Any) -> Any:
        """Follow a redirect to a questionnaire page's address (POST-redirect-GET), as a
        browser does; a redirect anywhere else (the thank-you page) is left to the test."""
        if response.status_code == 303 and "skjema=" in response.headers["Location"]:
            self.page_url = response.headers["Location"]
            return self.client.get(self.page_url, **kwargs)
        return response

    def hidden(self) -> list[tuple[str, str]]:
        form = self.html.split('id="answer-form"', 1)[1].split("</form>", 1)[0]
        return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)

    @property
    def form_token(self) -> str:
        match = TOKEN.search(self.html)
        assert match, "no form token on the page"
        return match.group(1)

    def send(self, answers: dict[str, Any] | None = None, nav: str = "next", **kwargs: Any) -> Any:
        """Post the current page with these visible answers (lists for several values)."""
        data: list[tuple[str, str]] = [(k, v) for k, v in self.hidden()]
        for name, value in (answers or {}).items():
            for item in value if isinstance(value, list) else [value]:
                data.append((name, item))
        data.append(("nav", nav))
        url = self.url if "url" not in kwargs else kwargs.pop("url")
        self.response = self._to_page(
            self.client.post(url, data=MultiDict(data), **kwargs), **kwargs
        )
        self.html = self.response.get_data(as_text=True)
        return self.response
