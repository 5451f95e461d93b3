#!/usr/bin/env bash
# `make e2e`: the real CLI end to end with toy sizes on CPU, in a throw-away home folder.
# Each step is a command a user would type; the script stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
export GENSIM_HOME=${GENSIM_HOME:-$(mktemp -d -t gensim-e2e-XXXXXX)}
export MLFLOW_DISABLE_TELEMETRY=true
echo "e2e home: $GENSIM_HOME"
step() { echo; echo "\$ gensim $*"; "$BIN/gensim" "$@"; }

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
echo; echo "e2e passed (home $GENSIM_HOME)"
