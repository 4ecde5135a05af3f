# Quorum: `make run` starts the site and a worker; `make test` runs every check CI runs.
PY ?= python3
VENV = .venv
BIN = $(VENV)/bin
PYTHON = $(BIN)/python
MANAGE = $(PYTHON) manage.py
STAMP = $(VENV)/.installed

.PHONY: venv install run test lint format typecheck bench clean

venv install: $(STAMP)

# Reinstall only when a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	[ -x $(PYTHON) ] || $(PY) -m venv $(VENV)
	$(PYTHON) -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: install
	$(MANAGE) migrate --noinput
	@# Listing command names imports none of them, so a seed_demo that exists but fails is not skipped.
	@if $(MANAGE) help --commands | grep -qx seed_demo; then \
		$(MANAGE) seed_demo; \
	else \
		echo "No seed_demo command yet: starting without demo data."; \
	fi
	@mkdir -p var/log var/run
	@$(BIN)/celery -A config worker --pool=solo -l info \
		--logfile=var/log/worker.log --pidfile=var/run/worker.pid & \
	worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo; \
	echo "Quorum: http://127.0.0.1:8000/"; \
	if [ -f var/demo-logins.txt ]; then \
		echo "Demo logins:"; cat var/demo-logins.txt; \
	else \
		echo "No demo logins yet: make an administrator with '$(MANAGE) createsuperuser'."; \
	fi; \
	echo "Background worker (pid $$worker) logs to var/log/worker.log; Ctrl-C stops the server and the worker."; \
	echo; \
	$(MANAGE) runserver 127.0.0.1:8000

test: install lint typecheck
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy
	$(BIN)/mypy --strict regulations/engine

# The engine benchmark needs nothing running; the import benchmark needs PostgreSQL on 127.0.0.1:5432;
# the recalculation benchmark needs PostgreSQL and Redis (127.0.0.1:6379) for its worker.
bench: install
	$(PYTHON) bench/engine.py
	$(PYTHON) bench/import_marks.py
	$(PYTHON) bench/recalculate.py

clean:
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis staticfiles var
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
