"""What every area's pages share: role checks for views (access.py), the error pages
(errors.py), security headers and the session cookie (security.py), the public pages' helpers:
language and no-store (public.py), the form base and shared fields (forms.py), and small view
helpers (helpers.py)."""
