"""Fail unless both test runs executed the browser tests and the OpenID Connect tests against the
real provider, and the PostgreSQL run used PostgreSQL.

Usage: python scripts/check_ci_results.py test-results/sqlite.xml test-results/postgresql.xml
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own pytest output


def summarise(path: str) -> dict[str, int]:
    root = ET.parse(path).getroot()  # noqa: S314
    counts = {"passed": 0, "failed": 0, "skipped": 0, "e2e": 0, "oidc": 0, "backend": 0}
    for case in root.iter("testcase"):
        outcome = "passed"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        counts[outcome] += 1
        name = case.get("classname", "")
        if outcome == "passed" and ".e2e." in name:
            counts["e2e"] += 1
        if outcome == "passed" and ".oidc." in name:
            counts["oidc"] += 1
        if outcome == "passed" and case.get("name") == "test_backend_is_the_one_asked_for":
            counts["backend"] += 1
    return counts


def main(paths: list[str]) -> int:
    ok = True
    for path in paths:
        counts = summarise(path)
        print(f"{path}: {counts}")
        if counts["failed"] or not counts["passed"]:
            print(f"  {path}: failures or no tests")
            ok = False
        if counts["e2e"] == 0:
            print(f"  {path}: the browser tests did not run")
            ok = False
        if counts["oidc"] == 0:
            print(f"  {path}: the OpenID Connect tests did not run")
            ok = False
        if counts["backend"] == 0:
            print(f"  {path}: the database backend check did not run")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
