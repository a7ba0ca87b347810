"""Staff sign-in and one's own account: passwords and password links, sessions, the second factor
(TOTP), OIDC sign-in, e-mail change and invitations to accept. The blueprint, its URL map and
the app-wide sign-in set-up (``init_app``) are in ``blueprint.py``."""
