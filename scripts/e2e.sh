#!/usr/bin/env bash
# `make e2e`: the real CLI end to end with toy sizes on CPU, in a throw-away home folder.
# Each step is a command a user would type; the script stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
# A private home (E2E_HOME, or a new temporary folder), never the user's: nothing of the user's
# GENSIM_*, OPENAI_* or AZURE_* settings leaks in (no real API calls, no other tracking store).
for var in $(env | sed -n 's/^\(\(GENSIM\|OPENAI\|AZURE\)_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$var"; done
export GENSIM_HOME=${E2E_HOME:-$(mktemp -d -t gensim-e2e-XXXXXX)}
keep=${E2E_HOME:+yes}  # a home made here is removed once the run passes; a failed run keeps it
export GENSIM_LLM_PROVIDER=offline
export MLFLOW_DISABLE_TELEMETRY=true
echo "e2e home: $GENSIM_HOME"
step() { echo >&2; echo "\$ gensim $*" >&2; "$BIN/gensim" "$@"; }

step db upgrade
step config
step tasks list --json > "$GENSIM_HOME/tasks.json"
step tasks check block-insertion --seeds 2
step generate --mode topdown-cot --target build-car --trials 4 --seeds 2 --workers 2 --quiet
step generate --mode bottomup --trials 3 --seeds 2 --workers 2 --json > "$GENSIM_HOME/bottomup.json"
step tasks list
python3 - "$GENSIM_HOME/bottomup.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["candidates"] == 3 and set(doc["counts"]) >= {"api", "parse", "static", "success", "novelty"}, doc
print("bottom-up campaign:", doc["counts"], "admitted:", doc["admitted"])
PY
step tasks search "stack blocks" --k 3
step tasks show build-car --no-code
step demos block-insertion -n 2 --split train --workers 1 --quiet
step demos block-insertion -n 1 --split val --workers 1 --quiet
step train --tasks block-insertion --demos 2 --max-steps 4 --val-interval 4 --val-episodes 1 --quiet --json > "$GENSIM_HOME/train.json"
MODEL=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model'])" "$GENSIM_HOME/train.json")
step eval --model "$MODEL" --tasks block-insertion --episodes 2 --gif-episodes 1 --quiet --json
step demos list
if [ -z "$keep" ]; then rm -rf "$GENSIM_HOME"; echo; echo "e2e passed"; else echo; echo "e2e passed (home $GENSIM_HOME)"; fi
