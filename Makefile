# Two commands for a fresh machine with Python 3.11:
#   make run    install everything, build the index, start the assistant (web UI + API)
#   make test   install what the tests need and run the whole suite
# Both are idempotent and install only from PyPI (and Debian's chromium for the browser test).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 7860
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install install-test index run chat test eval browser-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install-test: $(TEST_STAMP) browser-deps

browser-deps:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	    else echo "chromium is missing: the browser test will be skipped (install the Debian packages chromium and chromium-driver)"; fi; }

index: install
	$(BIN)/assistant index

run: index
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

chat: index
	$(BIN)/assistant chat

test: install-test
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

eval: install
	$(BIN)/assistant eval

clean:
	rm -rf $(VENV) .home test-output
