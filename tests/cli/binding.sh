#!/usr/bin/env bash
# binding.sh: scheduler binding end to end: native --binding gives every kind's affinity and
# reports "pinned" true only when every worker was pinned to one CPU; binding and bind_order are
# recorded with simulated and native runs; a replay with unbound schedulers differs from the
# static one; compare sweeps the kinds; bad kinds and orders are usage errors (exit 2). ~3 s.
. "$(dirname "$0")/lib.sh"
num() { json_num "$@"; }
bool() { grep -o "\"$1\":[a-z]*" <<< "$2" | head -1 | cut -d: -f2; }
str() { grep -o "\"$1\":\"[^\"]*\"" <<< "$2" | head -1 | cut -d'"' -f4; }

# 1. Native: each kind runs, exactly; pinned, pinned_workers and masked_workers tell the truth.
for spec in none=false=0=0 static=true=2=0 pcores=true=2=0 dynamic=false=0=2 hybrid=false=1=1; do
  IFS== read -r kind pinned npin nmask <<< "$spec"
  out=$("$S" native fib:18 --threads 2 --binding "$kind" --no-db --json) ||
    { fail "native --binding $kind: exit $?"; continue; }
  [ "$(num result "$out")" = 2584 ] || fail "$kind: wrong answer: $out"
  [ "$(str binding "$out")" = "$kind" ] || fail "$kind: binding is not $kind: $out"
  [ "$(bool pinned "$out")" = "$pinned" ] || fail "$kind: pinned is not $pinned: $out"
  [ "$(num pinned_workers "$out")" = "$npin" ] || fail "$kind: pinned_workers is not $npin"
  [ "$(num masked_workers "$out")" = "$nmask" ] || fail "$kind: masked_workers is not $nmask"
done
# --param binding= is the same setting; order u unbinds any kind.
out=$("$S" native fib:12 --threads 2 --param binding=dynamic --no-db --json) || fail "param"
[ "$(str binding "$out")" = dynamic ] || fail "--param binding=dynamic: $out"
out=$("$S" native fib:12 --threads 2 --binding static --param bind_order=u --no-db --json) ||
  fail "bind_order u"
[ "$(str binding "$out")" = none ] && [ "$(bool pinned "$out")" = false ] ||
  fail "static with order u must run unbound, unpinned: $out"

# 2. Recorded with the run, simulated and native.
db=$T/runs.db
out=$("$S" replay fib:10 --topology m1 --param binding=hybrid --param bind_order=db --db "$db" \
      --json) || fail "replay hybrid"
id=$(num run_id "$out")
[ "$(sqlite3 "$db" "SELECT json_extract(params, '\$.binding') || ' ' ||
     json_extract(params, '\$.bind_order') FROM runs WHERE id = $id")" = "hybrid db" ] ||
  fail "replay run lacks binding=hybrid bind_order=db"
out=$("$S" native fib:12 --threads 2 --binding dynamic --param bind_order=ts --db "$db" --json) ||
  fail "native --db"
id=$(num run_id "$out")
[ "$(sqlite3 "$db" "SELECT json_extract(params, '\$.binding') || ' ' ||
     json_extract(params, '\$.bind_order') || ' ' ||
     json_extract(params, '\$.native.pinned') FROM runs WHERE id = $id")" = "dynamic ts 0" ] ||
  fail "native run lacks binding=dynamic bind_order=ts pinned=false"

# 3. Unbound schedulers are moved by the operating system and pay for it: the run differs.
w=bursty:bursts=20,size=200
a=$("$S" replay $w --topology epyc7r13-2s --strategy random --no-db --json) || fail "static"
b=$("$S" replay $w --topology epyc7r13-2s --strategy random --param binding=dynamic --no-db \
    --json) || fail "dynamic"
[ "$(num processes "$a")" = "$(num processes "$b")" ] || fail "process counts differ"
[ "$(num makespan_ns "$a")" != "$(num makespan_ns "$b")" ] ||
  fail "dynamic binding changed nothing: $(num makespan_ns "$a") ns both"
"$S" compare fib:10 --topology m1 -s random --param binding=static,none,dynamic,hybrid,pcores \
  --db "$db" > "$T/cmp" 2>&1 || fail "compare sweep of binding: $(tail -3 "$T/cmp")"
[ "$(sqlite3 "$db" "SELECT COUNT(DISTINCT json_extract(params, '\$.binding')) FROM runs
     WHERE experiment_id = (SELECT MAX(experiment_id) FROM runs)")" = 5 ] ||
  fail "compare did not record the five kinds"

# 4. Bad kinds and orders: exit 2, naming the choices.
expect_stderr 2 "--binding wants none, static, dynamic, hybrid or pcores" \
  "$S" native fib:10 --binding pinned --no-db
expect_stderr 2 "parameter bind_order wants one of u ns ts ps s nnts nnps tnnps db" \
  "$S" native fib:10 --param bind_order=tnps --no-db
expect_stderr 2 "parameter binding wants one of none static dynamic hybrid pcores" \
  "$S" replay fib:10 --param binding=loose --no-db
expect_stderr 2 "parameter os_migrate_pct: 101 is outside 0..100" \
  "$S" replay fib:10 --param os_migrate_pct=101 --no-db

finish binding.sh
