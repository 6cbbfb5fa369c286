# Two commands for a fresh machine with Python 3.11:
#   make run    install everything, build the index, start the assistant (web UI + API)
#   make test   install what the tests need and run the whole suite
#   make bench  measure speed and memory (assistant bench; BENCH_ARGS="--sizes 1,10,100" for more)
#   make test-model / make eval-llm-real   serve / evaluate the pinned small test model (never a default)
# Both are idempotent and install only from PyPI (plus, for the tests, Debian packages and axe-core from npm).

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

.PHONY: install install-test index run chat test eval eval-llm-real test-model bench browser-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	touch $@

install: $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,llm-test]'
	touch $@

install-test: $(TEST_STAMP) browser-deps

# Debian packages the browser, report and sign-in tests use: chromium, poppler-utils (pdftoppm
# turns the PDF report into PNG pages), nginx (the SSO reverse proxy in front of the app), and
# node/npm for axe-core (tests/server/js), which Playwright injects into the page, and postgresql
# (the storage tests start a throwaway cluster; pg_ctlcluster is on PATH once the server is installed).
DEB_TEST_PACKAGES := chromium:chromium chromedriver:chromium-driver pdftoppm:poppler-utils nginx:nginx-light node:nodejs npm:npm pg_ctlcluster:postgresql
browser-deps:
	@missing=""; for pair in $(DEB_TEST_PACKAGES); do command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else echo "missing Debian packages:$$missing; the tests that need them will be skipped"; fi; fi
	@if command -v npm >/dev/null 2>&1 && [ ! -f tests/server/js/node_modules/axe-core/axe.min.js ]; then \
	  npm install --prefix tests/server/js --no-audit --no-fund --silent; fi

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

# The pinned small test model (tests and evaluation only; assistant/evaluation/testmodel.py):
# `make test-model` serves it on 127.0.0.1:8080 (ASSISTANT_LLM=openai ASSISTANT_LLM_BASE_URL=http://127.0.0.1:8080/v1),
# `make eval-llm-real` compares its written answers with the quoted ones (evals/reports/llm-real.md).
test-model: $(TEST_STAMP)
	$(BIN)/python -m assistant.evaluation.testmodel

eval-llm-real: $(TEST_STAMP)
	$(BIN)/assistant eval --llm --test-model --splits train,dev $(EVAL_ARGS)

bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/assistant bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .home test-output
