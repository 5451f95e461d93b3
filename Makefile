# gensim: the two commands are `make generate TARGET=build-car` and `make test`.
# Both create the virtual environment and the database on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch is installed first so that nothing pulls a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= dev

TARGET ?= build-car
MODE ?= topdown-cot
TRIALS ?= 8
LLM ?=
GENERATE_ARGS ?=
PYTEST_ARGS ?=

export MLFLOW_DISABLE_TELEMETRY := true
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION := false

.PHONY: setup generate test test-slow test-all e2e bench lint ui test-local-llm clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

## setup: bubblewrap (the sandbox's boundary), .venv, torch (CPU) and gensim, migrate the database
setup: $(VENV)/.installed
	@command -v bwrap >/dev/null 2>&1 || (apt-get install -y -q bubblewrap || (apt-get update -q && apt-get install -y -q bubblewrap)) >/dev/null 2>&1 \
	  || echo "setup: bubblewrap is missing and could not be installed (apt-get install bubblewrap); gensim will refuse to run untrusted task code" >&2
	$(BIN)/gensim db upgrade

## generate: a generation campaign toward TARGET (MODE, TRIALS, LLM overridable)
generate: setup
	$(BIN)/gensim generate --mode $(MODE) --target $(TARGET) --trials $(TRIALS) $(if $(LLM),--llm $(LLM),) $(GENERATE_ARGS)

## test: the default (fast) test run
test: setup
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## test-slow: the slow tests only
test-slow: setup
	$(BIN)/python -m pytest -q -m slow $(PYTEST_ARGS)

test-all: setup
	$(BIN)/python -m pytest -q -m "not llm" $(PYTEST_ARGS)

## e2e: the real CLI end to end with toy sizes on CPU
e2e: setup
	bash scripts/e2e.sh

## bench: the benchmarks of bench/ (figures go to BENCHMARKS.md)
bench: setup
	$(BIN)/python -m bench

## test-local-llm: a real tiny model (llama.cpp server) through the openai provider, once
test-local-llm: setup
	bash scripts/local_llm.sh

## lint: ruff and mypy
lint: setup
	$(BIN)/ruff check gensim tests bench
	$(BIN)/mypy gensim

## ui: the MLflow UI on 127.0.0.1 over the embedded store
ui: setup
	$(BIN)/gensim ui

clean:
	rm -rf $(VENV) .gensim
