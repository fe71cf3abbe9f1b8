#!/usr/bin/env bash
# gen_work.sh: fractional work= of fib, nqueens and uts end to end: `trace gen` writes whole-ns
# RUN phases (whole or whole + 1) summing to work x processes, an integral work= writes every
# RUN as before, the canonical spec prints a whole number as before, a bad value fails naming
# the field, native --replay runs a fractional trace, and a computed native run still refuses
# work=. About 2 s.
. "$(dirname "$0")/lib.sh"

# runs FILE: "processes min max total" of the RUN phases of a written trace.
runs() {
  python3 - "$1" <<'EOF'
import json, sys
runs = []
with open(sys.argv[1]) as f:
    next(f)   # header
    for line in f:
        rec = json.loads(line)
        runs += [p[1] for p in rec["phases"] if p[0] == "run"]
assert all(isinstance(x, int) for x in runs), "a RUN phase is not a whole number"
print(len(runs), min(runs), max(runs), sum(runs))
EOF
}

# 1. Fractional work: RUN phases of whole or whole + 1 ns, the total work x processes (to the
#    nearest ns where ids are dense, fib and uts; nqueens draws per process: 0.01 ns each).
check_frac() {   # SPEC WORK SLACK_PER_PROCESS
  local f="$T/frac.jsonl" n lo hi sum
  expect_exit 0 "$S" trace gen "$1" -o "$f"
  read -r n lo hi sum < <(runs "$f") || { fail "$1: unreadable trace"; return; }
  python3 -c "
import math, sys
n, lo, hi, s, w, per = $n, $lo, $hi, $sum, $2, $3
assert lo == math.floor(w) and hi == math.floor(w) + 1, ('RUN range', lo, hi)
slack = per * n if per > 0 else 0.5 + 1e-6
assert abs(s - n * w) <= slack, ('total', s, n * w)
" || fail "$1: $n processes, RUN $lo..$hi, total $sum"
}
check_frac fib:10,work=2.5 2.5 0
check_frac fib:16,work=10.483 10.483 0
check_frac uts:default,work=0.75 0.75 0
check_frac nqueens:8,work=3.3 3.3 0.01
expect_exit 0 "$S" trace gen fib:10,work=2.5 -o "$T/f.jsonl"
[ "$(runs "$T/f.jsonl")" = "177 2 3 443" ] || fail "fib:10,work=2.5: $(runs "$T/f.jsonl")"
has "$T/f.jsonl" '"generator":"fib:n=10,work=2.5,ws=4096"'

# 2. Integral work: every RUN phase is exactly work, the canonical spec unchanged.
expect_exit 0 "$S" trace gen nqueens:7,work=5 -o "$T/q.jsonl"
[ "$(runs "$T/q.jsonl")" = "552 5 5 2760" ] || fail "nqueens:7,work=5: $(runs "$T/q.jsonl")"
expect_exit 0 "$S" trace stats fib:12,work=1000.0
has "$T/out" "canonical      fib:n=12,work=1000,ws=4096"
has "$T/out" "total work     465000 ns"
expect_exit 0 "$S" trace stats uts:T1,d=3,work=0.125
has "$T/out" "canonical      uts:t=1,a=3,d=3,b=4,r=19,q=0.234375,m=4,work=0.125,ws=4096"

# 3. Bad values fail naming the field.
for w in -1 abc '' 1e16 nan 2.5x; do
  expect_exit 1 "$S" trace stats "fib:10,work=$w"
  has "$T/err" "fib:10,work=$w: work: expected a number from 0 to 1000000000000000, not '$w'"
done

# 4. Natively: a fractional trace replays (whole-ns busy work); a computed run refuses work=.
out=$("$S" native fib:8,work=2.5 --replay --threads 1 --no-db --json) ||
  fail "native --replay fib:8,work=2.5"
python3 -c "import json,sys; assert json.loads(sys.argv[1])['processes'] == 67" "$out" ||
  fail "native --replay fib:8,work=2.5: $(head -c 300 <<<"$out")"
expect_exit 1 "$S" native fib:8,work=2.5 --threads 1 --no-db
has "$T/err" "fib:8,work=2.5: work: a computed workload runs its own code"

finish gen_work.sh
