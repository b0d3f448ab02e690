# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

AXE := tests/e2e/node_modules/axe-core/axe.min.js
# The OpenID provider that the directory sign-in tests start (npm oidc-provider, run by node).
OIDC_OP := tests/integration/oidc_op/node_modules/oidc-provider/package.json
# The SAML identity provider that the SAML sign-in tests start (pysaml2, in its own venv:
# it pins cryptography through pyOpenSSL, which must not change the project's venv).
SAML_IDP_VENV := tests/integration/saml_idp/.venv
SAML_IDP := $(SAML_IDP_VENV)/.installed

.PHONY: run test e2e e2e-deps install migrate seed messages lint clean bench fonts

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# One test process per core (pytest-xdist; each has its own test database and, for the
# integration tests, its own Redis database as broker: config/settings/test.py).
test: install
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

# Real-browser journeys: Chromium from the system (apt-get install -y chromium
# fonts-noto-cjk) and axe-core from npm, installed next to the tests, never a CDN.
# 修了証 PDFs embed a font from the system: apt-get install -y fonts-ipaexfont
# (docs/certificates.md); `make fonts` checks for it.
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	touch $(AXE)

$(OIDC_OP): tests/integration/oidc_op/package.json tests/integration/oidc_op/package-lock.json
	npm ci --prefix tests/integration/oidc_op --no-audit --no-fund --loglevel=error
	touch $(OIDC_OP)

$(SAML_IDP): tests/integration/saml_idp/requirements.txt
	$(PYTHON) -m venv $(SAML_IDP_VENV)
	$(SAML_IDP_VENV)/bin/pip install --quiet -r tests/integration/saml_idp/requirements.txt
	touch $(SAML_IDP)

e2e-deps: $(AXE) $(OIDC_OP) $(SAML_IDP)

CERTIFICATE_FONT ?= /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf
fonts:
	@test -f $(CERTIFICATE_FONT) || { echo "No certificate font at $(CERTIFICATE_FONT): apt-get install -y fonts-ipaexfont (or set SHINKA_CERTIFICATE_FONT)"; exit 1; }

e2e: install e2e-deps
	SHINKA_E2E=1 $(BIN)/pytest -m e2e $(PYTEST_ARGS)

# Re-extract translatable strings after changing templates or code, then
# translate the new entries in locale/ja and commit both .po and .mo
# (the .mo is committed so a fresh machine needs no gettext tools).
messages: install
	$(BIN)/python manage.py makemessages -l ja --ignore=.venv --ignore=tests --ignore='*/demo/curriculum/*' --ignore=build --ignore=bench --no-obsolete
	$(BIN)/python manage.py compilemessages -l ja --ignore=.venv

# Benchmarks (bench/README.md): `make bench DB=postgres SIZE=city`. Each size gets its
# own database (<name>_<size>), built once by the seeded generator and reused.
DB ?= postgres
SIZE ?= city
BENCH_ARGS ?=
BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/shinka_bench
BENCH_SQLITE_URL ?= sqlite:///var/bench/bench.sqlite3
BENCH_URL = $(if $(filter sqlite,$(DB)),$(BENCH_SQLITE_URL),$(BENCH_POSTGRES_URL))

bench: install
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	DATABASE_URL=$(BENCH_URL) $(BIN)/python -m bench run --size $(SIZE) $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 media build tests/e2e/node_modules tests/integration/oidc_op/node_modules $(SAML_IDP_VENV)
