"""Tests of the administration pages: units, accounts, invitations, roles (feedback/admin)."""
