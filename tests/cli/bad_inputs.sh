#!/usr/bin/env bash
# The malformed-input corpus: every tests/bad_inputs/NAME.expect is run against $SCHEDLAB and
# must give its exit status and stderr text, without a crash or sanitizer report, and without
# touching the results database.
#
# NAME.expect holds "# comment" lines and
#   exit: N              the expected exit status
#   stderr: TEXT         a fixed string stderr must contain (any number of these lines)
#   cmd: WORD...         optional: the schedlab arguments, {} standing for the input file
# The input is the one other file NAME.*; without a cmd: line its extension chooses:
#   .jsonl  a trace:     schedlab replay {} --topology m1
#   .json   a topology:  schedlab replay fib:4 --topology {}   (and topo validate {}, same text)
#   .args   arguments, one per line: schedlab ARG...
#   .stg .wf.json (importers, found by extension or content): schedlab replay {} --topology m1
#   .ftrace .perf (importers, named): schedlab replay ftrace:{} (perf:{}) --topology m1
# replay and compare get --db DB appended: a database already holding one run, whose dump must
# be identical afterwards.
. "$(dirname "$0")/lib.sh"   # S is absolute: the inputs run from their own folder
D=$(cd "$(dirname "$0")/../bad_inputs" && pwd)
export SCHEDLAB_TOPOLOGIES=${SCHEDLAB_TOPOLOGIES:-$(cd "$D/../../traces/topologies" && pwd)}
count=0

DB=$T/results.db
if ! "$S" replay fib:5 --topology m1 --db "$DB" > /dev/null 2> "$T/setup.err"; then
  echo "FAIL: cannot create the reference database:"; cat "$T/setup.err"; exit 1
fi
dump() { sqlite3 "$DB" .dump | sha1sum; }
before=$(dump)

# The input file of NAME.expect: the other file with its base name.
input_of() {
  local e=$1 f
  for f in "${e%.expect}".*; do
    [ "$f" = "$e" ] || { echo "$f"; return; }
  done
}

# Arguments for an input, into the array args.
args_for() {
  local in=$1 cmdline=$2
  args=()
  if [ -n "$cmdline" ]; then
    for w in $cmdline; do args+=("${w//\{\}/$in}"); done
  else
    case "$in" in
      *.args)  mapfile -t args < "$in" ;;
      *.jsonl|*.stg|*.wf.json) args=(replay "$in" --topology m1) ;;
      *.ftrace) args=(replay "ftrace:$in" --topology m1) ;;
      *.perf)   args=(replay "perf:$in" --topology m1) ;;
      *.json)  args=(replay fib:4 --topology "$in") ;;
      *)       args=(replay "$in" --topology m1) ;;
    esac
  fi
  case "${args[0]:-}" in
    replay|compare) args+=(--db "$DB") ;;
  esac
}

check_one() {
  local e=$1 name in want_exit cmdline
  name=$(basename "$e" .expect)
  in=$(input_of "$e")
  [ -n "$in" ] && [ -f "$in" ] || { bad "$name: no input file beside $name.expect"; return; }
  want_exit=$(sed -n 's/^exit: *//p' "$e" | head -1)
  cmdline=$(sed -n 's/^cmd: *//p' "$e" | head -1)
  [ -n "$want_exit" ] || { bad "$name: $name.expect has no exit: line"; return; }
  args_for "$in" "$cmdline"
  (cd "$D" && timeout -s KILL 60 "$S" "${args[@]}") > "$T/out" 2> "$T/err"   # a hang is a bug
  local rc=$?
  count=$((count + 1))
  [ "$rc" = "$want_exit" ] || bad "$name: exit $rc, expected $want_exit: $(head -c 300 "$T/err")"
  while IFS= read -r want; do
    grep -qF -- "$want" "$T/err" || bad "$name: stderr lacks '$want'; it says: $(head -c 300 "$T/err")"
  done < <(sed -n 's/^stderr: //p' "$e")
  if grep -qE 'Sanitizer|runtime error:|double free|corrupted' "$T/err"; then
    bad "$name: sanitizer or allocator report:"; head -20 "$T/err"
  fi
  [ "$(dump)" = "$before" ] || { bad "$name: the database changed"; before=$(dump); }
  # A topology file fails topo validate with the same message.
  if [ -z "$cmdline" ] && [[ "$in" == *.json ]] && [[ "$in" != *.wf.json ]]; then
    (cd "$D" && timeout -s KILL 60 "$S" topo validate "$in") > /dev/null 2> "$T/err2"
    rc=$?
    [ "$rc" != 0 ] || bad "$name: topo validate accepted it"
    while IFS= read -r want; do
      grep -qF -- "$want" "$T/err2" || bad "$name: topo validate stderr lacks '$want'"
    done < <(sed -n 's/^stderr: //p' "$e")
  fi
}

cd "$D"
for e in "$D"/*.expect; do
  check_one "$(basename "$e")"
done

# Every input has its .expect (a file without one would be silently skipped).
for f in "$D"/*; do
  case "$f" in *.expect|*/README*) continue ;; esac
  base=$(basename "$f"); base=${base%%.*}
  [ -f "$D/$base.expect" ] || bad "$(basename "$f"): no $base.expect"
done

[ $count -gt 0 ] || bad "no inputs found in $D"
echo "bad inputs: $count checked, $fails failed"
[ $fails = 0 ]
