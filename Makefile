# Everyday commands. `make run` and `make test` are the README's two set-up commands.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
#: Test processes (pytest-xdist): one per CPU. `make test PYTEST_WORKERS=` runs in one.
PYTEST_WORKERS ?= -n auto
export FLASK_APP := feedback

$(VENV)/.installed-run: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml package.json
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -e ".[test]"
	npm install --no-audit --no-fund --silent
	touch $@

.PHONY: run test lint format translations check-translations designsystemet css
run: $(VENV)/.installed-run  ## install, create the SQLite database with demo data, and serve on :5000
	$(VENV)/bin/flask init
	$(VENV)/bin/flask demo
	$(VENV)/bin/flask run --port 5000

test: $(VENV)/.installed-test  ## install the test extras and run the whole suite
	$(PY) -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check feedback tests migrations scripts
	$(VENV)/bin/ruff format --check feedback tests scripts
	$(VENV)/bin/mypy

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff format feedback tests scripts
	$(VENV)/bin/ruff check --fix feedback tests scripts

translations: $(VENV)/.installed-run  ## extract strings, update the catalogs, compile them
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext --add-comments=TRANSLATORS: \
	  --no-location --sort-output --project=Brukerstemmen -o translations/messages.pot feedback
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --ignore-obsolete --no-fuzzy-matching
	$(PY) scripts/fill_english.py
	$(VENV)/bin/pybabel compile -d translations --statistics

#: Designsystemet (Digdir) and the Aksel icons (NAV), both MIT, vendored into
#: feedback/static/vendor/designsystemet/ and templates/macros/icons.html (committed: a clone
#: serves them without npm). Change a version here and run `make designsystemet`.
DS_CSS_VERSION := 1.22.0
DS_THEME_VERSION := 1.11.0
AKSEL_ICONS_VERSION := 8.16.2
designsystemet:  ## fetch Designsystemet and the icons from npm, copy them in, rebuild public.css
	tmp=$$(mktemp -d) && cd $$tmp && npm init -y --silent >/dev/null && \
	  npm install --no-audit --no-fund --silent @digdir/designsystemet-css@$(DS_CSS_VERSION) \
	  @digdir/designsystemet-theme@$(DS_THEME_VERSION) @navikt/aksel-icons@$(AKSEL_ICONS_VERSION) && \
	  cd $(CURDIR) && python3 scripts/designsystemet.py vendor $$tmp/node_modules && rm -rf $$tmp

css:  ## rebuild the purged sheets (respond, public, staff) after changing app.css or a template
	python3 scripts/designsystemet.py public
