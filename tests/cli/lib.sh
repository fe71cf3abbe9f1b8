# lib.sh: the set-up and checks every tests/cli script shares. Source it first:
#   . "$(dirname "$0")/lib.sh"
# It sets S (the schedlab binary: $SCHEDLAB, else build/schedlab, as an absolute path), T (a new
# temporary folder, removed on exit after the commands registered with on_exit) and fails=0, and
# defines the checks below. Each failed check prints "FAIL: ..." and counts in $fails; finish
# prints the script's summary line and exits 1 if anything failed.
set -u
S=${SCHEDLAB:-build/schedlab}
case "$S" in /*) ;; *) S=$PWD/$S ;; esac
T=$(mktemp -d)
fails=0
LIB_EXIT_CMDS=()

# on_exit CMD: run CMD (a shell string) at exit, before T is removed.
on_exit() { LIB_EXIT_CMDS+=("$1"); }
lib_cleanup() {
  local c
  for c in "${LIB_EXIT_CMDS[@]}"; do eval "$c"; done
  chmod -R u+w "$T" 2> /dev/null   # folders a script made read-only
  rm -rf "$T"
}
trap lib_cleanup EXIT

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
bad() { fail "$@"; }

# expect_exit CODE CMD...: runs CMD, stdout -> $T/out, stderr -> $T/err, checks the exit status.
expect_exit() {
  local want=$1; shift
  "$@" > "$T/out" 2> "$T/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, want $want; stderr: $(head -c 600 "$T/err")"
}

# has FILE TEXT: FILE contains the fixed string TEXT. lacks FILE TEXT: it does not.
has() { grep -qF -- "$2" "$1" || fail "$1 lacks '$2': $(head -c 400 "$1")"; }
lacks() { ! grep -qF -- "$2" "$1" || fail "$1 has '$2': $(head -c 400 "$1")"; }

# expect_stderr CODE TEXT CMD...: expect_exit CODE CMD..., and stderr contains TEXT.
expect_stderr() {
  local want=$1 text=$2; shift 2
  expect_exit "$want" "$@"
  has "$T/err" "$text"
}

# json_num KEY JSON: the number after "KEY": in a one-line JSON object (first occurrence).
json_num() { grep -o "\"$1\":[-0-9.e+]*" <<< "$2" | head -1 | cut -d: -f2; }
# json_keys: the keys ("name":) of the JSON on stdin, sorted and unique.
json_keys() { grep -o '"[A-Za-z0-9_]*":' | sort -u; }

# skip_check TEXT: say that a check was skipped, and tell make test (run-tests.sh) so.
skip_check() { echo "*** SKIPPED $* ***" | tee -a "${TEST_SKIP_FILE:-/dev/null}"; }

# finish NAME [DETAIL]: "NAME: ok (DETAIL)" and exit 0, or "NAME: N failure(s)" and exit 1.
finish() {
  if [ "$fails" -eq 0 ]; then
    echo "$1: ok${2:+ ($2)}"
    exit 0
  fi
  echo "$1: $fails failure(s)"
  exit 1
}
