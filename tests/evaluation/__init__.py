"""Tests of the evaluation, the action plan and the public page."""
