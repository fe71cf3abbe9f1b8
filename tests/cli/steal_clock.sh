#!/usr/bin/env bash
# steal_clock.sh: every run counts its steals by tenth of the makespan in which they ended
# (steals_by_tenth), simulated and native alike: ten counts that add up to the run's steals,
# none for a run on one core, and a simulated fork-join's first steal in the first tenth (a
# native run's need only steal: when its first steal ends depends on when the host gives the
# second thread its CPU, 10% of a 1 ms run being 100 us, a detour this host takes); the last
# tenth's steals by hundredth (steals_last_tenth) add up to that tenth, and the attempts that
# lost their race are counted the same way (lost_races_by_tenth, lost_races_last_tenth);
# validate --json gives both sides' means of each, which add up to the means of the steals it
# compares. About 3 s.
. "$(dirname "$0")/lib.sh"

# tenths_ok WHAT JSON [first|some]: steals_by_tenth has 10 counts summing to steals (and,
# with first, at least one steal in the first tenth; with some, at least one steal).
tenths_ok() {
  python3 - "$2" "${3:-}" <<'PY' || fail "$1: steals_by_tenth: ${2:0:400}"
import json, sys
d = json.loads(sys.argv[1])
for k in ("steals_by_tenth", "steals_last_tenth", "lost_races_by_tenth", "lost_races_last_tenth"):
    assert len(d[k]) == 10 and all(isinstance(x, (int, float)) and x >= 0 for x in d[k]), (k, d[k])
t = d["steals_by_tenth"]
assert sum(t) == d["steals"], (t, d["steals"])
assert sum(d["steals_last_tenth"]) == t[9], (d["steals_last_tenth"], t)
assert sum(d["lost_races_last_tenth"]) == d["lost_races_by_tenth"][9], d
assert sum(d["lost_races_by_tenth"]) <= d["steal_attempts"] - d["steals"], d
if sys.argv[2]:
    assert d["steals"] > 0, t
if sys.argv[2] == "first":
    assert t[0] >= 1, t
PY
}

j=$("$S" replay fib:20 --topology m1 --strategy random --no-db --json) || fail "replay fib:20"
tenths_ok "replay fib:20 on m1" "$j" first
j=$("$S" replay uts:T3 --topology synth:p=2 --no-db --json) || fail "replay uts:T3"
tenths_ok "replay uts:T3 on 2 cores" "$j" first
j=$("$S" replay fib:16 --topology synth:p=1 --no-db --json) || fail "replay on one core"
tenths_ok "replay on one core" "$j"
[ "$(json_num steals "$j")" = 0 ] || fail "one core stole: $j"
j=$("$S" native fib:24 --threads 2 --no-db --json) || fail "native fib:24"
tenths_ok "native fib:24 on 2 threads" "$j" some
j=$("$S" native fib:16 --threads 1 --no-db --json) || fail "native on one thread"
tenths_ok "native on one thread" "$j"

out=$("$S" validate fib:14 --threads 2 --repeat 2 --sim-repeat 3 --no-db --json) ||
  fail "validate fib:14"
python3 - "$out" <<'PY' || fail "validate steals_by_tenth: $(head -c 600 <<<"$out")"
import json, sys
j = json.loads(sys.argv[1])
for k in ("steals_by_tenth", "steals_last_tenth", "lost_races_by_tenth", "lost_races_last_tenth"):
    for side in ("native", "native_ci95", "sim", "sim_ci95"):
        assert len(j[k][side]) == 10 and all(x >= 0 for x in j[k][side]), (k, side, j[k][side])
t = j["steals_by_tenth"]
st = j["metrics"]["steals"]
for side in ("native", "sim"):
    assert abs(sum(t[side]) - st[side]) <= 1e-9 * max(1, st[side]), (side, t[side], st[side])
    last = sum(j["steals_last_tenth"][side])
    assert abs(last - t[side][9]) <= 1e-9 * max(1, last), (side, j["steals_last_tenth"], t)
PY
finish steal_clock
