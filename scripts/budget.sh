#!/usr/bin/env bash
# A make target's command under its time budget (the Makefile names each budget and why).
#   usage: scripts/budget.sh NAME BUDGET COMMAND [ARG...]     BUDGET as for timeout(1): 90s, 20m
# Past its budget the command gets SIGTERM, then SIGKILL 30 s later, and NAME fails with one line
# saying so, instead of a hung test eating CI's 90 minutes. pytest's exit 5 (no tests collected)
# fails with one line too. Either way the command's own exit code is passed on, and the last line
# says how long NAME took.
set -u
if [ "$#" -lt 3 ]; then
  echo "usage: scripts/budget.sh NAME BUDGET COMMAND [ARG...]" >&2
  exit 2
fi
name=$1 budget=$2
shift 2
case $budget in
  *s) budget_s=${budget%s} ;;
  *m) budget_s=$(( ${budget%m} * 60 )) ;;
  *h) budget_s=$(( ${budget%h} * 3600 )) ;;
  *) budget_s=$budget ;;
esac
# --foreground: the command stays in the terminal's process group, so Ctrl-C still reaches it.
timeout --foreground -k 30s "$budget" "$@"
rc=$?
took="$((SECONDS / 60))m$(printf %02d $((SECONDS % 60)))s"
if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ "$SECONDS" -ge "$budget_s" ]; }; then
  echo "$name: stopped after its time budget of $budget (hung? see CONTRIBUTING.md, Time budgets)" >&2
elif [ "$rc" -eq 5 ] && [[ " $* " == *pytest* ]]; then
  echo "$name: no tests were collected (pytest exit 5), which counts as a failure" >&2
elif [ "$rc" -ne 0 ]; then
  echo "$name: failed (exit $rc) after $took (budget $budget)" >&2
else
  echo "$name: passed in $took (budget $budget)" >&2
fi
exit "$rc"
