"""The public side of deviation reports, for anyone without an account: the report form with
its receipt code, and following the case up with that code (status, messages, a reply).

No session and no cookie; it imports the deviations' services, never the staff views.
"""
