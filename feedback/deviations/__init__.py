"""Deviation reports, the staff side: receiving reports and replies (the services the public
``feedback.report`` pages call), receipt codes, who sees which cases, the case list, case
handling, redaction of personal data, the retention time, mail notices and statistics; the
pages for the quality group and managers, and the categories for administrators."""
