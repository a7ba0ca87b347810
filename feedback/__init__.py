"""Brukerstemmen: user-led surveys and deviation reports. ``create_app`` builds the app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from feedback.config import Config

#: The checkout (or install) root, where migrations/ and translations/ live.
PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config: Config | None = None) -> Flask:
    """Build the Flask app; configuration comes from FEEDBACK_* variables unless given."""
    app = Flask(__name__, instance_relative_config=True)
    config = config if config is not None else Config.from_env()
    config.finalise(app.instance_path)
    app.config.from_object(config)
    app.config["FEEDBACK_ENV"] = config.ENV_NAME

    from feedback import database, i18n, ids, logs
    from feedback.auth import blueprint as auth
    from feedback.extensions import babel, csrf, db, limiter, login_manager, migrate
    from feedback.web import access, errors, security

    logs.init_app(app)
    database.init_app(app)
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_DIR / "migrations"),
        render_as_batch=True,  # SQLite can only alter tables by copying them
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    ids.init_app(app)  # before the blueprints: their rules use <id:...>

    from feedback.admin.blueprint import bp as admin_bp
    from feedback.api.blueprint import bp as api_bp
    from feedback.api_keys.blueprint import bp as api_keys_bp
    from feedback.auth.blueprint import bp as auth_bp
    from feedback.brand.blueprint import bp as brand_bp
    from feedback.designer.blueprint import bp as designer_bp
    from feedback.deviations.blueprint import bp as deviations_bp
    from feedback.evaluation.blueprint import bp as evaluation_bp
    from feedback.fieldwork.blueprint import bp as fieldwork_bp
    from feedback.main.blueprint import bp as main_bp
    from feedback.overview.blueprint import bp as overview_bp
    from feedback.published.blueprint import bp as published_bp
    from feedback.report.blueprint import bp as report_bp
    from feedback.respond.blueprint import bp as respond_bp
    from feedback.results.blueprint import bp as results_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(designer_bp, url_prefix="/skjema")
    app.register_blueprint(fieldwork_bp, url_prefix="/skjema")
    # Respondents have no session to protect, and must get no cookie: the one-time form
    # token in each questionnaire does the work of the CSRF token there.
    csrf.exempt(respond_bp)
    app.register_blueprint(respond_bp)
    app.register_blueprint(results_bp, url_prefix="/resultater")
    app.register_blueprint(evaluation_bp, url_prefix="/resultater")
    app.register_blueprint(overview_bp, url_prefix="/leder")
    app.register_blueprint(api_keys_bp, url_prefix="/konto/api-nokler")
    # The API is read-only and authenticated by a token in a header, never by the cookie.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(published_bp, url_prefix="/dette-gjor-vi")
    app.register_blueprint(brand_bp, url_prefix="/merke")
    app.register_blueprint(deviations_bp, url_prefix="/avvik")
    # Reporters get no cookie either: the report form carries a one-time token.
    csrf.exempt(report_bp)
    app.register_blueprint(report_bp, url_prefix="/avvik")

    from feedback import cli

    cli.init_app(app)
    return app
