# The two commands of the README. Both create ./.venv on first use and install the pinned packages.
PY ?= python3
# the port the demo's console (and `make serve`) listens on: make demo PORT=8010
PORT ?= 8000
# a NATS JetStream to publish the events to and push the slips (make demo NATS=nats://127.0.0.1:4222);
# empty: the embedded default, events wait in the outbox (SYNCSETTLE_NATS_URL works too)
NATS ?=
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo serve test install lint

$(BIN)/syncsettle: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(BIN)/syncsettle

install: $(BIN)/syncsettle

demo: install
	$(BIN)/syncsettle demo --port $(PORT) $(if $(NATS),--nats-url $(NATS))

serve: install
	$(BIN)/syncsettle db upgrade
	$(if $(NATS),SYNCSETTLE_NATS_URL=$(NATS)) $(BIN)/syncsettle serve --port $(PORT)

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q -n 2
