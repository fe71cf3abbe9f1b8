#!/usr/bin/env bash
# wake_at.sh: when queued work brings another core, end to end. wake_at: a root runs 1 ms, spawns
# three children and runs 3 ms more on 2 cores; with wake_at=enqueue the waiting core is woken
# at the spawns and runs a child beside the root, with wake_at=switch (BEAM's wakeup_other,
# between slices) it is not woken before the root's slice ends: simulated and natively (where
# a parked worker may still come on its own safety timeout, but is not woken). Spinning cores
# (spin_ns, spin_wake_ns): under BEAM's wake_queue 2 a spinning core is told of one waiting
# process, a sleeping one is not, and it comes after spin_wake_ns's draw, or not at all when
# it would sleep first. wake_every: the look at every Nth switch only. About 3 s.
. "$(dirname "$0")/lib.sh"
num() { json_num "$@"; }
db=$T/runs.db

cat > "$T/w.jsonl" << 'EOF'
{"format":"schedlab-trace","version":1,"name":"wake_at","time_unit":"us","roots":1,"processes":4}
{"id":0,"spawn":0,"phases":[["run",1000],["spawn",1],["spawn",2],["spawn",3],["run",3000]]}
{"id":1,"parent":0,"phases":[["run",2000]]}
{"id":2,"parent":0,"phases":[["run",2000]]}
{"id":3,"parent":0,"phases":[["run",2000]]}
EOF
# In run $1: the first start of a child, the root's end, and wake-ups of a core other than the
# root's from half way through its first 1 ms (the start's own wake-ups are over) to its end.
facts() {
  sqlite3 "$db" "SELECT (SELECT MIN(start_ns) FROM timeline WHERE run_id = $1 AND kind = 'run'
                         AND pid BETWEEN 1 AND 3) || ' ' ||
                        (SELECT MAX(end_ns) FROM timeline WHERE run_id = $1 AND kind = 'run'
                         AND pid = 0) || ' ' ||
                        (SELECT COUNT(*) FROM timeline t WHERE run_id = $1 AND kind = 'wake'
                         AND core <> (SELECT core FROM timeline WHERE run_id = $1 AND pid = 0
                                      AND kind = 'run' LIMIT 1)
                         AND start_ns > (SELECT MIN(start_ns) FROM timeline WHERE run_id = $1
                                         AND kind = 'run' AND pid = 0) + 500000
                         AND start_ns < (SELECT MAX(end_ns) FROM timeline WHERE run_id = $1
                                         AND kind = 'run' AND pid = 0))"
}
P=(--param min_steal_queue=1 --param time_slice_ns=0)
for mode in replay native; do
  for wa in enqueue switch; do
    # A native wake at the spawns needs worker 1 asleep by then and given a CPU before the root
    # ends: on a host loaded beside the test it can still be spinning, or not run for
    # milliseconds (4 of 10 runs failed so beside a CI run). Nothing but wake_at=enqueue wakes
    # it, so one run of three that shows the wake shows the feature; the tries are reported.
    tries=1
    [ $mode = native ] && [ $wa = enqueue ] && tries=3
    for try in $(seq "$tries"); do
      if [ $mode = replay ]; then
        out=$("$S" replay "$T/w.jsonl" --topology synth:p=2 "${P[@]}" --param wake_at=$wa \
              --db "$db" --timeline --json) || { fail "replay wake_at=$wa: exit $?"; continue 2; }
      else
        out=$("$S" native "$T/w.jsonl" --threads 2 "${P[@]}" --param wake_at=$wa --db "$db" \
              --timeline --json) || { fail "native wake_at=$wa: exit $?"; continue 2; }
      fi
      id=$(num run_id "$out")
      read -r first root_end woken <<< "$(facts "$id")"
      [ $wa = enqueue ] && { [ "$woken" -lt 1 ] || [ "$first" -ge "$root_end" ]; } &&
        [ "$try" -lt "$tries" ] || break
      echo "wake_at.sh: native wake_at=enqueue, try $try: woken $woken times during the root," \
           "first child at $first, root ended $root_end; trying again"
    done
    [ "$(sqlite3 "$db" "SELECT json_extract(params, '\$.wake_at') FROM runs WHERE id = $id")" = $wa ] ||
      fail "$mode wake_at=$wa: not recorded in params"
    if [ $wa = enqueue ]; then
      [ "$woken" -ge 1 ] && [ "$first" -lt "$root_end" ] ||
        fail "$mode wake_at=enqueue: woken $woken times during the root, first child at $first," \
             "root ended $root_end (try $try of $tries)"
    else
      [ "$woken" = 0 ] || fail "$mode wake_at=switch: the other core was woken $woken times during the root's slice"
      [ $mode = native ] || [ "$first" -ge "$root_end" ] ||
        fail "replay wake_at=switch: a child ran at $first, before the root's slice ended ($root_end)"
    fi
  done
done
# wake_every: under wake_at=switch the look comes at every Nth switch only. The root runs 500 us,
# spawns three children (600 us each) and exits: the first switch of its core, which then runs
# child 3 (lifo) and switches again. With wake_every=1 the other core, asleep by then, is woken
# at the root's exit; with 2 not before child 3 ends, 600 us later. Both come before a parked
# native worker's own 2 ms safety timeout (which is no wake-up by the root's core anyway).
cat > "$T/e.jsonl" << 'EOF2'
{"format":"schedlab-trace","version":1,"name":"wake_every","time_unit":"us","roots":1,"processes":4}
{"id":0,"spawn":0,"phases":[["run",500],["spawn",1],["spawn",2],["spawn",3]]}
{"id":1,"parent":0,"phases":[["run",600]]}
{"id":2,"parent":0,"phases":[["run",600]]}
{"id":3,"parent":0,"phases":[["run",600]]}
EOF2
# In run $1: the root's end and the first wake-up of the other core by the root's core after it
# (in the model a wake has no waker: any wake-up of the other core).
facts_every() {
  sqlite3 "$db" "WITH r AS (SELECT core, MAX(end_ns) AS e FROM timeline WHERE run_id = $1
                            AND kind = 'run' AND pid = 0)
                 SELECT r.e || ' ' || IFNULL((SELECT MIN(t.start_ns) FROM timeline t WHERE
                        t.run_id = $1 AND t.kind = 'wake' AND t.core <> r.core AND
                        t.start_ns >= r.e AND (t.victim IS NULL OR t.victim = r.core)), -1)
                 FROM r"
}
for mode in replay native; do
  for every in 1 2; do
    tries=1
    [ $mode = native ] && tries=3   # (a worker the host kept from its CPU may come late)
    for try in $(seq "$tries"); do
      out=$("$S" $mode "$T/e.jsonl" $([ $mode = replay ] && echo --topology synth:p=2 ||
                                      echo --threads 2) "${P[@]}" --param wake_at=switch \
            --param wake_every=$every --db "$db" --timeline --json) ||
        { fail "$mode wake_every=$every: exit $?"; continue 2; }
      id=$(num run_id "$out")
      read -r root_end woke <<< "$(facts_every "$id")"
      gap=$((woke - root_end))
      if [ $every = 1 ]; then good=$([ "$woke" -ge 0 ] && [ $gap -lt 400000 ] && echo 1)
      else good=$([ "$woke" -ge 0 ] && [ $gap -ge 500000 ] && echo 1); fi
      [ -z "$good" ] && [ "$try" -lt "$tries" ] || break
      echo "wake_at.sh: $mode wake_every=$every, try $try: the root ended at $root_end, the" \
           "other core was woken at $woke; trying again"
    done
    [ "$(sqlite3 "$db" "SELECT json_extract(params, '\$.wake_every') FROM runs WHERE id = $id")" = $every ] ||
      fail "$mode wake_every=$every: not recorded in params"
    [ -n "$good" ] || fail "$mode wake_every=$every: the root ended at $root_end, the other core" \
                           "was woken at $woke ($([ $every = 1 ] && echo "want at once" ||
                           echo "want after child 3, 600 us later")) (try $try of $tries)"
  done
done
expect_stderr 2 "wake_every" "$S" replay "$T/w.jsonl" --param wake_every=0

# The default is enqueue.
out=$("$S" replay "$T/w.jsonl" --topology synth:p=2 "${P[@]}" --db "$db" --timeline --json)
read -r first root_end woken <<< "$(facts "$(num run_id "$out")")"
[ "$woken" -ge 1 ] || fail "the default is not wake_at=enqueue"
expect_stderr 2 "wake_at" "$S" replay "$T/w.jsonl" --param wake_at=later

# Spinning cores. Core 1 steals both children of the first spawns and runs dry at 200 us; the
# root spawns a third at 250 us: one waiting process, short of BEAM's backlog of 2. With a spin
# the cores start awake (the root runs at 0); with none they start asleep (it waits wake_ns).
cat > "$T/s.jsonl" << 'EOF'
{"format":"schedlab-trace","version":1,"name":"spin_wake","time_unit":"us","roots":1,"processes":4}
{"id":0,"spawn":0,"phases":[["spawn",1],["spawn",2],["run",250],["spawn",3],["run",500]]}
{"id":1,"parent":0,"phases":[["run",100]]}
{"id":2,"parent":0,"phases":[["run",100]]}
{"id":3,"parent":0,"phases":[["run",100]]}
EOF
B=(--topology synth:p=2 --param min_steal_queue=1 --param imbalance_threshold=0
   --param wake_queue=2 --param wake_ns=1000 --param time_slice_ns=0 --db "$db" --per-process --json)
run_s() { "$S" replay "$T/s.jsonl" "${B[@]}" "$@"; }
first3() { sqlite3 "$db" "SELECT first_run_ns FROM processes WHERE run_id = $(num run_id "$1") AND pid = 3"; }
a=$(run_s --param spin_ns=50000 --param spin_wake_ns=0)      # spinning at 250 us: told, comes
b=$(run_s --param spin_ns=0)                                  # asleep: not woken for one
c=$(run_s --param spin_ns=50000 --param spin_wake_ns=1G)      # would sleep before it notices
d=$(run_s --param spin_ns=200000 --param spin_wake_ns=20000)  # comes, after a draw
[ "$(num steals "$a")" = 3 ] && [ "$(num makespan_ns "$a")" = 750300 ] ||
  fail "a spinning core told of one waiting process: $a"
[ "$(num steals "$b")" = 2 ] && [ "$(num makespan_ns "$b")" = 851300 ] ||
  fail "a sleeping core woken for one waiting process: $b"
[ "$(num steals "$c")" = 2 ] && [ "$(num makespan_ns "$c")" = 851300 ] ||
  fail "a spinning core that would sleep before noticing came: $c"
[ "$(num steals "$d")" = 3 ] && [ "$(first3 "$d")" -gt "$(first3 "$a")" ] ||
  fail "spin_wake_ns 20 us: the third child started at $(first3 "$d"), at once it started at $(first3 "$a")"

finish wake_at.sh
