"""Screenshots of pages at phone and desktop width, for looking at what was built.

Usage: python scripts/screenshots.py BASE_URL OUT_DIR [PATH ...]
Signs in as admin@example.no / demo-passord first (run `flask demo` on that server), or as
the account in SHOT_EMAIL.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
DEFAULT = ["/logg-inn", "/", "/admin/", "/admin/enheter", "/admin/brukere", "/admin/brukere/ny"]


def main(base: str, out: Path, paths: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width in (375, 1280):
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto(f"{base}/logg-inn")
            page.screenshot(path=out / f"anonymous-login-{width}.png", full_page=True)
            page.goto(f"{base}/")
            page.screenshot(path=out / f"anonymous-start-{width}.png", full_page=True)
            page.goto(f"{base}/logg-inn")
            page.fill("#email", os.environ.get("SHOT_EMAIL", "admin@example.no"))
            page.fill("#password", "demo-passord")
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            for path in paths:
                page.goto(f"{base}{path}")
                name = path.strip("/").replace("/", "-") or "start"
                page.screenshot(path=out / f"{name}-{width}.png", full_page=True)
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:] or DEFAULT)
