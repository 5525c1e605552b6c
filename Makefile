# expertpool: `make run` starts the app with demo data, `make test` runs every test.
# Both create .venv and install on first use, on a machine with only Python and git.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := expertpool

.PHONY: run test test-sqlite test-postgresql bench lint format translations messages install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED) translations

translations: $(INSTALLED)
	@$(BIN)/pybabel compile --use-fuzzy -d expertpool/translations -D messages >/dev/null 2>&1 || \
	  $(BIN)/pybabel compile -d expertpool/translations -D messages

# Extract every msgid from the code and templates and merge it into the catalogue (new entries come
# with an empty English string to fill in; tests/unit/test_catalogue_complete.py fails until they are).
messages: $(INSTALLED)
	@mkdir -p build
	@msguniq --use-first --no-wrap -o expertpool/translations/en/LC_MESSAGES/messages.po \
	  expertpool/translations/en/LC_MESSAGES/messages.po 2>/dev/null || true
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
	  --no-wrap --sort-by-file -o build/messages.pot expertpool templates
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete --no-wrap -i build/messages.pot \
	  -d expertpool/translations -D messages -l en
	$(BIN)/python -m expertpool.french_plurals build/messages.pot
	@$(MAKE) --no-print-directory translations

run: install
	@mkdir -p instance
	EXPERTPOOL_ENV=development $(BIN)/flask db upgrade
	@EXPERTPOOL_ENV=development $(BIN)/flask seed-demo
	@echo
	@echo "  expertpool is starting on http://$(HOST):$(PORT)/   (Ctrl-C stops the app and its scheduler)"
	@echo
	@EXPERTPOOL_ENV=development EXPERTPOOL_HTTPS=0 EXPERTPOOL_BASE_URL=http://$(HOST):$(PORT) \
	  $(BIN)/python -m expertpool.devserver --host $(HOST) --port $(PORT)

# The two databases' runs go side by side, one per core (each keeps its own files and databases); -O keeps
# each run's output in one piece.
test: install
	@$(MAKE) --no-print-directory -j2 -O test-sqlite test-postgresql

# Each run names its own PostgreSQL databases (some tests use PostgreSQL whatever --db says).
test-sqlite: install
	EXPERTPOOL_TEST_POSTGRES_SUFFIX=$(EXPERTPOOL_TEST_POSTGRES_SUFFIX)_s $(BIN)/python -m pytest tests --db sqlite -q

test-postgresql: install
	EXPERTPOOL_TEST_POSTGRES_SUFFIX=$(EXPERTPOOL_TEST_POSTGRES_SUFFIX)_p $(BIN)/python -m pytest tests/integration tests/functional tests/trust --db postgresql -q

LOAD_SCALE ?= regional  # `make bench LOAD_SCALE=interregional` for 3,000 members and 122 experts

bench: install
	$(BIN)/python -m expertpool.allocation bench
	EXPERTPOOL_ENV=development EXPERTPOOL_DATABASE_URL=sqlite:// $(BIN)/flask bench
	$(BIN)/python -m expertpool.loadbench --scale $(LOAD_SCALE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy expertpool/allocation

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build dist *.egg-info
