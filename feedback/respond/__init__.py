"""Anonymous answering: the public questionnaire pages (by link, unit link, access code and
kiosk), the draft that keeps answers between pages, the texts respondents read, and storing a
response exactly once. No session, no cookie, no client address (see docs/design.md)."""
