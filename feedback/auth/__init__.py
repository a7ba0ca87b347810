"""Staff accounts and signing in: passwords and password links, sessions and the idle timeout,
the second factor (TOTP), OIDC sign-in, e-mail change, one's own account page, and the roles
people hold in organisations with the invitations that give them (``memberships``,
``invitations``). The blueprint, its URL map and the app-wide sign-in set-up (``init_app``) are in
``blueprint.py``."""
