"""Administration of one organisation: its settings, units, accounts and roles, invitations to
send, sign-in providers (OIDC) and audit log. The blueprint and URL map are in
``blueprint.py``; the role rules and invitations themselves are in ``feedback.auth``."""
