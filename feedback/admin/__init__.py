"""Administration of one organisation: its settings, units, accounts and roles, invitations,
sign-in providers (OIDC) and audit log. The blueprint and URL map are in ``blueprint.py``."""
