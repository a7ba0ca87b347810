"""Tests of sign-in, two-step sign-in, sessions, passwords, e-mail changes and return addresses
(feedback/auth)."""
