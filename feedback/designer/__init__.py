"""The survey designer: the quality group writes, approves and runs its questionnaires.

Rounds and templates (``services``), editing pages and questions (``editing``), approval
(``approval``), the lifecycle (``lifecycle``) and the open and close dates (``schedule``), the
round page's reading aids (``review``), the built-in templates (``library``), forms, and the
pages (``round_views``, ``editing_views``) with their URL map in ``blueprint.py``. The document
format and the question types are ``feedback.questionnaire``.
"""
