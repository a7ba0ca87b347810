"""Extension singletons, bound to an app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from feedback.models.base import Base


def _no_automatic_key() -> str:
    # Limits are applied explicitly per account or app-wide (feedback.ratelimit); never per
    # client address, which we do not read.
    return "app"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=_no_automatic_key, default_limits=[])
