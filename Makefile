# GIS Portal. `make run` serves the portal, `make test` runs the whole suite.
PORT ?= 8000
FAKE_BANK_PORT ?= 54480
PY := .venv/bin/python

.PHONY: run test stop lint format bootstrap db demo bench messages fake-bank

bootstrap:
	@scripts/bootstrap.sh

db: bootstrap
	@scripts/pg.sh start

demo: db
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py load_demo

run: demo
	@$(PY) manage.py collectstatic --noinput -v 0
	@echo ""
	@echo "GIS Portal: http://127.0.0.1:$(PORT)/   (Ctrl-C stops the server; 'make stop' stops the database)"
	@echo "Fake bank gateway (payments): http://127.0.0.1:$(FAKE_BANK_PORT)/"
	@echo ""
	@export FAKE_BANK_PORT=$(FAKE_BANK_PORT); \
	$(PY) scripts/fake_bank.py & bank=$$!; \
	trap 'kill $$bank 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload

# The fake bank gateway alone, in the foreground (`make run` starts it in the background).
fake-bank: bootstrap
	@FAKE_BANK_PORT=$(FAKE_BANK_PORT) $(PY) scripts/fake_bank.py

test: db
	@DJANGO_SETTINGS_MODULE=gis_portal.settings_test $(PY) -m pytest

stop:
	@scripts/pg.sh stop

lint: bootstrap
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@$(PY) manage.py makemigrations --check --dry-run

format: bootstrap
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

messages: bootstrap
	@$(PY) manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules

bench: db
	@$(PY) manage.py bench
