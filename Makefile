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

# Time budgets. Each target below runs under its budget (scripts/budget.sh): past it, the command
# is stopped and the target fails with one line naming it, so a hung test cannot eat CI's 90
# minutes; .ci/run's budgets add up to 86 minutes, under CI's 90. The durations next to each
# target were measured once on this 2-core machine while ~8 people's runs shared it (load average
# 11-17): the wall time is an upper bound, the CPU time (user + system, with the children waited
# for) is close to the wall time on an idle machine. Table and method: CONTRIBUTING.md, "CI
# stages and time budgets". pytest's exit 5 (no tests collected) fails a target.
BUDGET := bash scripts/budget.sh
PYTEST := $(BIN)/python -m pytest -q

export MLFLOW_DISABLE_TELEMETRY := true
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION := false

.PHONY: setup setup-ray generate test test-slow test-ray test-sweep test-all e2e bench lint ui test-local-llm clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	@$(BUDGET) "make setup (torch)" 5m $(BIN)/pip install --quiet "$(TORCH_SPEC)"
	@$(BUDGET) "make setup (gensim)" 10m $(BIN)/pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

# The `ray` extra on top of EXTRAS, for the targets that need it (a few hundred MB: not in setup).
$(VENV)/.installed-ray: $(VENV)/.installed
	@$(BUDGET) "make setup-ray" 5m $(BIN)/pip install --quiet -e ".[$(EXTRAS),ray]"
	touch $@

## setup: bubblewrap (the sandbox's boundary), .venv, torch (CPU) and gensim, migrate the database
setup: $(VENV)/.installed
	@command -v bwrap >/dev/null 2>&1 || (apt-get install -y -q bubblewrap || (apt-get update -q && apt-get install -y -q bubblewrap)) >/dev/null 2>&1 \
	  || echo "setup: bubblewrap is missing and could not be installed (apt-get install bubblewrap); gensim will refuse to run untrusted task code" >&2
	$(BIN)/gensim db upgrade

## generate: a generation campaign toward TARGET (MODE, TRIALS, LLM overridable)
generate: setup
	$(BIN)/gensim generate --mode $(MODE) --target $(TARGET) --trials $(TRIALS) $(if $(LLM),--llm $(LLM),) $(GENERATE_ARGS)

## setup-ray: setup, plus the `ray` extra (the Ray executor)
setup-ray: setup $(VENV)/.installed-ray

## test: the default (fast) test run
# measured: 7m40s on a clean clone, machine nearly idle (4 Dec, 6dd4384); 60m30s at load 14-17; budget 20 min
test: setup
	@$(BUDGET) "make test" 20m $(PYTEST) $(PYTEST_ARGS)

## test-slow: the slow tests, less the Ray test (`make test-ray`) and the expert sweep (`make test-sweep`)
# measured: 14m25s, 76 tests, clean clone, nearly idle (4 Dec, 6dd4384); budget 25 min (over it at load 20)
test-slow: setup
	@$(BUDGET) "make test-slow" 25m $(PYTEST) -m "slow and not ray and not sweep" $(PYTEST_ARGS)

## test-sweep: the 20-seed expert success of every built-in task (not in CI: CONTRIBUTING.md says when)
# measured: group A's first 16 tasks, about 4 min CPU; budget 40 min (not in CI)
test-sweep: setup
	@$(BUDGET) "make test-sweep" 40m $(PYTEST) -m sweep $(PYTEST_ARGS)

## test-ray: the Ray executor against the local pool, with the `ray` extra installed; a skip fails
# measured: 21 s test (Ray already installed), clean clone, nearly idle (4 Dec); 5m44s at load 14; budget 5 (install) + 7 min
test-ray: setup-ray
	@$(BUDGET) "make test-ray" 7m $(PYTEST) -m ray --fail-on-skip $(PYTEST_ARGS)

test-all: setup
	$(BIN)/python -m pytest -q -m "not llm" $(PYTEST_ARGS)

## e2e: the real CLI end to end with toy sizes on CPU (generate, demos, train, eval), private home
# measured: 1m15s, clean clone, nearly idle (4 Dec); 12m39s at load 12-15; budget 6 min
e2e: setup
	@$(BUDGET) "make e2e" 6m bash scripts/e2e.sh

## bench: the benchmarks of bench/ (figures go to BENCHMARKS.md)
bench: setup
	$(BIN)/python -m bench

## test-local-llm: a real tiny model (llama.cpp server) through the openai provider, once
test-local-llm: setup
	bash scripts/local_llm.sh

## lint: ruff and mypy
# measured: ruff under 1 s, mypy 40 s, clean clone, nearly idle (4 Dec); budget 1 + 7 min
lint: setup
	@$(BUDGET) "make lint (ruff)" 1m $(BIN)/ruff check gensim tests bench
	@$(BUDGET) "make lint (mypy)" 7m $(BIN)/mypy gensim

## ui: the MLflow UI on 127.0.0.1 over the embedded store
ui: setup
	$(BIN)/gensim ui

clean:
	rm -rf $(VENV) .gensim
