"""The start page, the language choice and the organisation choice. The blueprint and its URL
map are in ``blueprint.py``."""
