#!/usr/bin/env bash
# validate.sh: `schedlab validate` end to end, structure only (no timing thresholds: accuracy
# figures belong to `validate --json`, not to tests): --sweep --json has one object per thread
# count with every metric's native and simulated interval and relative error with its interval,
# busy time compared per core rank, the first steal, the steal round (native and the model's)
# and the host's load; one invocation stores
# all its runs in ONE experiment whose description holds the calibration once (every cost
# measured, n > 0, preemption counted), runs referring to it, the remote join given to the model
# as msg_remote_ns; a replayed trace file validates with its cost per spawn as spawn_ns;
# msg_remote_ns moves a two-core replay and not a one-core one; runtime_known=0 lets migrations
# through that a known 1 ns of work would not pay for, simulated and native; --paired pairs each
# native run with the seeds that model it at its own per-process cost; bad command lines exit 2.
# About 10 s.
. "$(dirname "$0")/lib.sh"
db=$T/v.db

# 1. A sweep over 1 and 2 threads into one database.
out=$("$S" validate fib:12 --sweep threads=1,2 --repeat 2 --sim-repeat 3 --db "$db" --json) ||
  fail "validate --sweep threads=1,2"
python3 - "$out" <<'EOF' || fail "validate --sweep --json structure: $(head -c 600 <<<"$out")"
import json, re, sys
j = json.loads(sys.argv[1])
rows = j["sweep"]
assert [r["threads"] for r in rows] == [1, 2], rows
exp = {r["experiment_id"] for r in rows}
assert len(exp) == 1 and exp.pop() > 0, "one experiment for the whole sweep"
metrics = ["makespan_ns", "steals", "steal_attempts", "migrations", "utilization",
           "processes", "busy_ns", "busy_max_mean", "cpu_ns"]
for r in rows:
    for m in metrics:
        x = r["metrics"][m]
        for k in ("native", "sim", "rel_error", "rel_error_ci95"):
            assert k in x, (r["threads"], m, k)
        # 2 native runs, 3 simulated seeds (--sim-repeat)
        for side, n in (("native_ci", 2), ("sim_ci", 3)):
            assert x[side]["n"] == n and "ci95" in x[side], (m, side)
        # each side's min, median and max hold its mean; the KS gap and p lie in [0, 1]
        for side, mean in (("native_range", x["native"]), ("sim_range", x["sim"])):
            lo, med, hi = x[side]
            eps = 1e-9 * max(abs(lo), abs(hi))
            assert lo <= med <= hi and lo - eps <= mean <= hi + eps, (m, side, x)
        assert 0 <= x["ks_d"] <= 1 and 0 <= x["ks_p"] <= 1, (m, x["ks_d"], x["ks_p"])
        lo, med, hi = x["native_range"]
        if med != 0:
            assert abs(x["rel_error_median"] - (x["sim_range"][1] - med) / med) < 1e-9, (m, x)
    assert r["repeat"] == 2 and r["sim_repeat"] == 3, (r["repeat"], r["sim_repeat"])
    # without --paired: no paired errors, no per-run pairs
    assert r["paired"] is False and r["paired_runs"] == [], r["paired_runs"]
    assert all(r["metrics"][m]["rel_error_paired"] is None for m in metrics)
    assert r["metrics"]["processes"]["native"] == r["metrics"]["processes"]["sim"] == 465
    # every run and seed has all 465 processes: one distribution, no gap
    assert r["metrics"]["processes"]["ks_d"] == 0 and r["metrics"]["processes"]["ks_p"] == 1
    assert len(r["busy_by_rank"]) == r["threads"], r["busy_by_rank"]
    # each seed's cores at a speed of their own (one slot's trials; worker 0 the reference)
    assert len(r["seed_cpu_speed"]) == 3, r["seed_cpu_speed"]
    assert all(len(sp) == r["threads"] and sp[0] == 1 and all(0.05 < x < 20 for x in sp)
               for sp in r["seed_cpu_speed"]), r["seed_cpu_speed"]
    ranks = r["busy_by_rank"]
    assert all(ranks[k]["native"] >= ranks[k + 1]["native"] for k in range(len(ranks) - 1))
    assert "busy_max_error" in r and len(r["host_load"]) == 3
    cpu = r["metrics"]["cpu_ns"]
    assert r["cpu_off"] == (abs(cpu["rel_error"]) > 0.05 and abs(cpu["rel_error"]) > cpu["rel_error_ci95"]), (r["cpu_off"], cpu)
    st = r["metrics"]["steals"]
    c = r["calibration"]
    # the model's victim: the runs' busy_victim where its interval excludes the ping-pong's
    bv, pv = c["busy_victim"], (c["steal_victim"]["ns"] if c["steal_victim"]["n"] else 0)
    roles = c["busy_factor"]["roles"]
    assert roles == (bv["n"] >= 3 and c["busy_factor"]["ci95"] <= 0.02), (roles, c["busy_factor"])
    want = bv["ns"] if roles and bv["n"] >= 3 and abs(bv["ns"] - pv) > bv["ci95"] else pv
    assert abs(c["steal_victim_model_ns"] - max(want, 0)) < 1e-9, (c["steal_victim_model_ns"], bv, pv)
    bt = c["busy_thief"]
    thief = bt["ns"] if roles and bt["n"] >= 3 and bt["ns"] > bt["ci95"] else None
    assert c["steal_thief_model_ns"] == thief, (c["steal_thief_model_ns"], bt)
    assert bv["n"] == bt["n"] == c["busy_factor"]["n"] and (bv["n"] == 0 or r["threads"] > 1), (bv, bt)
    hv = c["steal_hit"]["ns"] + c["steal_victim_model_ns"] + (thief or 0)
    assert abs(r["cpu_off_steals_ns"] - (st["sim"] - st["native"]) * hv) <= 1e-6 * (1 + abs(r["cpu_off_steals_ns"])), r["cpu_off_steals_ns"]
    assert set(r["first_steal_ns"]) == {"native", "sim", "sim_ci95"}
    # A native steal round that took a process, timed in every run that stole, beside the
    # model's (latency + steal_probe_ns + steal_hit_ns).
    w = r["won_round_ns"]
    assert set(w) == {"native", "native_ci95", "native_runs", "model", "native_long",
                      "native_p10", "native_p50", "native_p90"}, w
    assert w["native_p10"] <= w["native_p50"] <= w["native_p90"], w
    assert (w["native_p10"] > 0) == (w["native_runs"] > 0 or w["native_long"] > 0), w
    assert 0 <= w["native_runs"] <= 2 and (w["native_runs"] == 0) == (w["native"] == 0), w
    # rounds that lost their thread (over 1 ms) are counted apart, never on one worker
    assert w["native_long"] >= 0 and (r["threads"] > 1 or w["native_long"] == 0), w
    assert w["model"] >= r["calibration"]["steal"]["ns"] - 1 if r["threads"] > 1 else True, w
    if r["threads"] == 1:
        assert w["native_runs"] == 0 and r["calibration"]["steal_round"]["n"] == 0, w
    # Each worker's CPU's speed against worker 0's, a trial on each before every native run
    # and after the last (3), the model's core capacity where 1 is outside its interval.
    sp = r["calibration"]["cpu_speed"]
    assert len(sp) == (r["threads"] if r["threads"] > 1 else 0), sp
    for k, x in enumerate(sp):
        if k == 0:
            assert x["ratio"] == 1 and x["capacity"] == 1 and x["n"] == 0, sp
            continue
        assert 0 < x["n"] <= 3 and x["n"] + x["dropped"] <= 3 and x["ratio"] > 0, sp
        applied = abs(x["ratio"] - 1) > x["ci95"]
        assert x["capacity"] == (x["ratio"] if applied else 1), sp
        # doubted where few trials ran clean or the model's core is over 10% off worker 0's
        assert x["doubtful"] == (x["dropped"] > x["n"] or abs(x["capacity"] - 1) > 0.10), sp
    assert all(not x["doubtful"] for x in sp[:1]), sp
    # each worker's share of the dispatches, by worker: both sides sum to 1
    sh = r["run_share_by_core"]
    assert [x["core"] for x in sh] == list(range(r["threads"])), sh
    for side in ("native", "sim"):
        assert all(0 <= x[side] <= 1 and x[side + "_ci95"] >= 0 for x in sh), sh
        assert abs(sum(x[side] for x in sh) - 1) < 1e-9, (side, sh)
    if r["threads"] == 1:
        assert r["first_steal_ns"]["native"] == r["first_steal_ns"]["sim"] == 0, "no steal on 1 thread"
    c = r["calibration"]
    for k in ("spawn", "msg", "proc"):
        assert c[k]["n"] > 0 and c[k]["ns"] > 0, (k, c[k])
        assert 0 <= c[k]["dropped"] <= c[k]["preempted"], (k, c[k])
    assert c["proc_dist"]["n"] >= 464 and c["proc_dist"]["p99"] >= c["proc_dist"]["p50"] > 0
    # work= is the calibrated remainder to 0.001 ns (fractional; no whole-ns rounding), so the
    # one-worker model costs proc per process to 0.01 ns. (With N threads the model's cost is
    # proc times the noise's work_factor, the share of the CPU time the model does not pay as
    # detours. The busy time a dispatch of the runs on N workers against one worker's, where 1
    # is outside its interval, divides the cores' capacity instead; the co-running factor,
    # corun_factor, is reported only.)
    bf = c["busy_factor"]
    fa = bf["ratio"] if bf["n"] >= 3 and bf["ratio"] > 0 and abs(bf["ratio"] - 1) > bf["ci95"] else 1
    assert bf["applied"] == fa and (r["threads"] > 1 or bf["n"] == 0), bf
    # ... and the same factor in CPU time, over every run that stole (the busy-time one drops the
    # preempted): reported, never applied
    bc = c["busy_cpu"]
    assert bc["applied"] == 1 and (r["threads"] > 1 or bc["n"] == 0), bc
    assert bc["n"] == 0 or (bc["n"] >= max(bf["n"], 3) and bc["ratio"] > 0), (bc, bf)
    model_proc = c["proc"]["ns"] * c["noise"]["work_factor"]
    caps = [x["capacity"] for x in c["cpu_speed"]] or [1.0] * r["threads"]
    assert len(r["model_capacity"]) == r["threads"], r["model_capacity"]
    for k, m in enumerate(r["model_capacity"]):
        assert abs(m - min(max(caps[k] / fa, 0.01), 100)) <= 1e-9 * m, (k, m, caps, fa)
    # (the busy loop's rate between the runs is a replayed trace's: not measured here)
    assert c["busy_rate"]["n"] == 0 and c["busy_rate"]["applied"] == 1, c["busy_rate"]
    assert r["threads"] > 1 or c["corun_factor"] == 1, c["corun_factor"]
    assert abs(r["quantisation"]) * model_proc <= 0.0005 + 1e-9, r["quantisation"]
    assert re.fullmatch(r"fib:n=12,work=\d+(\.\d{1,3})?,ws=0", r["sim_trace"]), r["sim_trace"]
    # Host noise: measured around the native runs (3 slices of 50 ms for 2 runs) on all the
    # run's CPUs, given to the model (noise_gap_ns, noise_ns: checked in the database below),
    # whose cores pay it in busy time (sim_noise_ns.busy) and before steal rounds; none
    # measured, none paid.
    z = c["noise"]
    assert z["slices"] == 3 and z["observed_ns"] >= 3 * r["threads"] * 5e7 * 0.99, z
    assert z["min_ns"] == 1000 and (z["detours"] == 0 or z["max_ns"] >= z["mean_ns"] > 1000), z
    # Machine-wide detours (those that overlapped another CPU's) are counted apart: none on one
    # CPU; the own and the shared rates and lengths split the detours between them.
    assert 0 <= z["shared_detours"] <= z["detours"] and 0 <= z["shared_share"] <= 1, z
    if r["threads"] == 1:
        assert z["shared_detours"] == 0 and z["shared_gap_ns"] == 0, z
    own = z["detours"] - z["shared_detours"]
    assert own == 0 or abs(z["gap_ns"] * own - (z["observed_ns"] * (1 - z["share"]))) < 1e-3 * z["observed_ns"], z
    if z["shared_detours"]:
        total = z["mean_ns"] * own + z["shared_mean_ns"] * z["shared_detours"]
        assert abs(total - z["share"] * z["observed_ns"]) < 1e-6 * z["observed_ns"] + 1, (z, total)
        assert abs(z["shared_share"] * z["share"] * z["observed_ns"] - z["shared_mean_ns"] * z["shared_detours"]) < 1e-6 * z["observed_ns"] + 1, z
    noise = r["sim_noise_ns"]["busy"]["mean"]
    if z["detours"] == 0:
        assert noise == 0 and r["sim_noise_ns"]["steal"]["mean"] == 0, r["sim_noise_ns"]
    # The model's work is the per-process cost less the detours its CPU time holds, which the
    # model pays as detours: (1 - detour share) / (1 - off-CPU share) of it.
    f = (1 - z["share"]) / (1 - min(z["off_cpu_share"], z["share"])) if z["detours"] else 1
    assert abs(z["work_factor"] - f) < 1e-9, (z, f)
    if r["threads"] == 1:
        per = (r["metrics"]["busy_ns"]["sim"] - noise) / 465
        want = c["proc"]["ns"] * z["work_factor"]
        assert abs(per - want) < 0.01, ("model per process", per, want)
EOF

# 2. The database: one experiment, the calibration once, every run in it and referring to it.
q() { sqlite3 "$db" "$1"; }
[ "$(q 'SELECT COUNT(*) FROM experiments')" = 1 ] || fail "a sweep made more than one experiment"
[ "$(q "SELECT group_concat(mode || '/' || n, ' ') FROM (SELECT mode, COUNT(*) AS n FROM runs
        WHERE experiment_id = 1 GROUP BY 1 ORDER BY 1)")" = "native/4 sim/6" ] ||
  fail "not 2 native runs and 3 simulated seeds x 2 counts in the experiment: $(q 'SELECT experiment_id, mode, COUNT(*) FROM runs GROUP BY 1, 2')"
[ "$(q 'SELECT COUNT(*) FROM runs')" = 10 ] || fail "runs outside the experiment"
[ "$(q "SELECT json_extract(description, '\$.calibration.proc.n') > 0 AND
          json_extract(description, '\$.calibration.spawn.n') > 0 AND
          json_extract(description, '\$.workload') = 'fib:12' FROM experiments")" = 1 ] ||
  fail "the experiment does not hold the calibration: $(q 'SELECT description FROM experiments')"
[ "$(q "SELECT COUNT(*) FROM runs WHERE json_extract(params, '\$.calibration.experiment') = 1
        AND json_extract(params, '\$.calibration.proc') IS NULL")" = 10 ] ||
  fail "runs do not refer to the stored calibration"
# Each count's simulations have the noise measured around its native runs (in their calibration
# reference) as noise_gap_ns and noise_ns.
[ "$(q "SELECT COUNT(*) FROM runs WHERE mode = 'sim' AND
        json_extract(params, '\$.noise_gap_ns') =
        CAST(round(json_extract(params, '\$.calibration.noise_gap_ns')) AS INTEGER) AND
        json_extract(params, '\$.noise_ns') =
        CAST(round(json_extract(params, '\$.calibration.noise_ns')) AS INTEGER)")" = 6 ] ||
  fail "noise_gap_ns, noise_ns not the measured noise: $(q "SELECT params FROM runs WHERE mode = 'sim' LIMIT 1")"
# ... and the machine-wide detours as noise_shared_gap_ns and noise_shared_ns (none at 1 thread)
[ "$(q "SELECT COUNT(*) FROM runs WHERE mode = 'sim' AND
        json_extract(params, '\$.noise_shared_gap_ns') =
        CAST(round(json_extract(params, '\$.calibration.noise_shared_gap_ns')) AS INTEGER) AND
        json_extract(params, '\$.noise_shared_ns') =
        CAST(round(json_extract(params, '\$.calibration.noise_shared_ns')) AS INTEGER) AND
        (topology != 'host:1:static' OR json_extract(params, '\$.noise_shared_ns') = 0)")" = 6 ] ||
  fail "noise_shared_gap_ns, noise_shared_ns not the measured machine-wide noise: $(q "SELECT params FROM runs WHERE mode = 'sim' LIMIT 1")"
# The simulations run on several threads: each seed of each count simulated and stored once.
[ "$(q "SELECT group_concat(topology || '/' || seed || '/' || n, ' ') FROM (SELECT topology,
        seed, COUNT(*) AS n FROM runs WHERE mode = 'sim' GROUP BY 1, 2 ORDER BY 1, 2)")" = \
  "host:1:static/1/1 host:1:static/2/1 host:1:static/3/1 host:2:static/1/1 host:2:static/2/1 host:2:static/3/1" ] ||
  fail "simulated seeds: $(q "SELECT topology, seed FROM runs WHERE mode = 'sim'")"
if [ "$(nproc)" -ge 2 ]; then
  [ "$(q "SELECT json_extract(description, '\$.calibration.steal.n') > 0 AND
            json_extract(description, '\$.calibration.wake.n') > 0 FROM experiments")" = 1 ] ||
    fail "steal or wake-up not measured on a host with 2 CPUs"
  # The remote join is measured and given to the model as msg_remote_ns (rounded).
  [ "$(q "SELECT COUNT(*) FROM runs WHERE mode = 'sim' AND
          json_extract(params, '\$.msg_remote_ns') =
          CAST(round(json_extract(params, '\$.calibration.msg_remote_ns')) AS INTEGER) AND
          json_extract(params, '\$.calibration.msg_remote_ns') IS NOT NULL")" = 6 ] ||
    fail "msg_remote_ns not the calibrated remote join: $(q "SELECT params FROM runs WHERE mode = 'sim' LIMIT 1")"
  [ "$(q "SELECT json_extract(description, '\$.calibration.msg_remote.n') > 0 FROM experiments")" = 1 ] ||
    fail "remote join not measured on a host with 2 CPUs"
  # A computed workload's native pushes wake at the worker's housekeeping point, every 16 picks
  # (the fast path), so its model has wake_at=switch and wake_every=16 where the runs had
  # enqueue and 1.
  [ "$(q "SELECT group_concat(x, ' ') FROM (SELECT mode || '/' || json_extract(params,
          '\$.wake_at') || '/' || json_extract(params, '\$.wake_every') || '/' || COUNT(*) AS x
          FROM runs GROUP BY mode, json_extract(params, '\$.wake_at'),
          json_extract(params, '\$.wake_every') ORDER BY 1)")" = "native/enqueue/1/4 sim/switch/16/6" ] ||
    fail "wake_at/wake_every not enqueue/1 natively and switch/16 in the model: $(q "SELECT mode, json_extract(params, '\$.wake_at'), json_extract(params, '\$.wake_every') FROM runs")"
  # The model's cores run at the CPU speeds measured for their count (1 for a one-core model).
  [ "$(q "SELECT COUNT(*) FROM runs WHERE mode = 'sim' AND json_array_length(params,
          '\$.calibration.cpu_capacity') = CASE topology WHEN 'host:2:static' THEN 2 ELSE 0 END
          AND json_extract(params, '\$.cost_capacity') = 1")" = 6 ] ||
    fail "cpu_capacity or cost_capacity not in the simulations' params: $(q "SELECT params FROM runs WHERE mode = 'sim'")"
  # The model's barrier: the steal round timed in runs of the calibration workload between the
  # native runs, less the probe, where one of them stole; else the ping-pong's.
  [ "$(q "SELECT COUNT(*) FROM runs WHERE mode = 'sim' AND json_extract(params, '\$.steal_hit_ns') =
          CASE WHEN json_extract(params, '\$.calibration.steal_round_ns') > 0
          THEN MAX(0, CAST(round(json_extract(params, '\$.calibration.steal_round_ns') -
                                 json_extract(params, '\$.calibration.steal_ns')) AS INTEGER))
          ELSE CAST(round(json_extract(params, '\$.calibration.steal_hit_ns')) AS INTEGER) END")" = 6 ] ||
    fail "steal_hit_ns not the measured round or barrier: $(q "SELECT params FROM runs WHERE mode = 'sim'")"
  # The victim's and the thief's busy time a steal adds in those runs, where measured and
  # outside their intervals (nat_calib_steal_victim / _thief), else the ping-pong's victim and
  # the default ctx_switch_ns.
  [ "$(q "SELECT COUNT(*) FROM runs WHERE mode = 'sim' AND json_extract(params, '\$.steal_victim_ns') =
          CAST(round(json_extract(params, '\$.calibration.steal_victim_model_ns')) AS INTEGER) AND
          json_extract(params, '\$.ctx_switch_ns') = COALESCE(CAST(round(json_extract(params,
          '\$.calibration.steal_thief_model_ns')) AS INTEGER), 50)")" = 6 ] ||
    fail "steal_victim_ns / ctx_switch_ns not the model's victim and thief: $(q "SELECT params FROM runs WHERE mode = 'sim'")"
else
  skip_check "validate.sh: steal and wake-up calibration need 2 CPUs"
fi

# 2b. A workload that steals at 2 threads: its calibration times the steal rounds that took a
# process in runs of the calibration workload between the native runs, and the model's round
# (latency + steal_probe_ns + steal_hit_ns) is that round; without such a round, the ping-pong's
# probe and barrier. Up to 3 tries, as a loaded host may run one worker alone.
if [ "$(nproc)" -ge 2 ]; then
  stole=0
  for try in 1 2 3; do
    out=$("$S" validate fib:22 --threads 2 --repeat 2 --no-db --json) || fail "validate fib:22"
    rc=0
    python3 - "$out" <<'EOF2' || rc=$?
import json, sys
r = json.loads(sys.argv[1])
c, w = r["calibration"], r["won_round_ns"]
# without --sim-repeat: 20 simulated seeds (the larger of --repeat and 20)
assert r["sim_repeat"] == 20 and r["metrics"]["steals"]["sim_ci"]["n"] == 20, r["sim_repeat"]
assert r["metrics"]["steals"]["native_ci"]["n"] == 2
if c["steal_round"]["n"] > 0:
    assert abs(w["model"] - c["steal_round"]["ns"]) <= 1.5, (w, c["steal_round"])
    assert c["steal_round"]["ns"] > c["steal"]["ns"], c["steal_round"]
else:
    hit = c["steal_hit"]["ns"] if c["steal_hit"]["n"] > 0 else 0
    assert abs(w["model"] - (c["steal"]["ns"] + hit)) <= 1.5, (w, c["steal"], hit)
sys.exit(0 if c["steal_round"]["n"] > 0 else 3)
EOF2
    [ $rc = 0 ] && { stole=1; break; }
    [ $rc = 3 ] || { fail "fib:22's steal round: $(head -c 600 <<<"$out")"; break; }
  done
  [ $stole = 1 ] || skip_check "validate.sh: no calibration run of fib:22 stole in 3 tries"
fi

# 3. Text output names the robust estimate and the per-core comparison.
out=$("$S" validate fib:12 --threads 2 --repeat 2 --no-db) || fail "validate fib:12 text"
for s in "trimmed means of the trials not preempted" "per-process cost spread" \
         "busy by rank" "first steal" "host noise"; do
  grep -qF "$s" <<<"$out" || fail "validate text lacks '$s': $out"
done

# 3a. --paired: seed i models native run i % 3, its cores slowed by that run's own per-process
# cost (the trials around it) over the model's and each at its CPU's speed in those minutes
# (worker 0's the reference, 1); each metric's paired error is the mean over the runs of (their
# seeds' mean - the run) / the run.
out=$("$S" validate fib:14 --threads 2 --repeat 3 --sim-repeat 6 --paired --no-db --json) ||
  fail "validate --paired"
python3 - "$out" <<'EOF' || fail "validate --paired: $(head -c 600 <<<"$out")"
import json, statistics, sys
r = json.loads(sys.argv[1])
assert r["paired"] is True and len(r["paired_runs"]) == 3, r["paired_runs"]
for p in r["paired_runs"]:
    assert 0.2 < p["cost_factor"] < 5, p
    assert p["native_makespan_ns"] > 0 and p["sim_makespan_ns"] > 0, p
    sp = p["cpu_speed"]
    assert len(sp) == 2 and sp[0] == 1 and 0.05 < sp[1] < 20, p
# the seeds that model run j run at its speeds
assert len(r["seed_cpu_speed"]) == 6, r["seed_cpu_speed"]
for i, sp in enumerate(r["seed_cpu_speed"]):
    assert sp == r["paired_runs"][i % 3]["cpu_speed"], (i, sp, r["paired_runs"])
e = [(p["sim_makespan_ns"] - p["native_makespan_ns"]) / p["native_makespan_ns"]
     for p in r["paired_runs"]]
m = r["metrics"]["makespan_ns"]
assert abs(m["rel_error_paired"] - statistics.mean(e)) < 1e-9, (m["rel_error_paired"], e)
assert m["rel_error_paired_ci95"] > 0, m
assert r["metrics"]["processes"]["rel_error_paired"] == 0, r["metrics"]["processes"]
EOF
# ... and each paired seed's stored run names the native run it models and that run's factor
out=$("$S" validate fib:14 --threads 2 --repeat 2 --sim-repeat 4 --paired --db "$T/p.db" --json) ||
  fail "validate --paired --db"
n=$(sqlite3 "$T/p.db" "SELECT COUNT(*) FROM runs s JOIN runs n ON n.id =
      json_extract(s.params, '\$.paired.native_run_id') WHERE s.mode = 'sim' AND n.mode = 'native'
      AND json_extract(s.params, '\$.paired.cost_factor') > 0
      AND json_array_length(s.params, '\$.cpu_speed') = 2
      AND json_extract(s.params, '\$.cpu_speed[0]') = 1
      AND json_extract(s.params, '\$.cpu_speed[1]') > 0")
[ "$n" = 4 ] || fail "validate --paired --db: $n of 4 seeds name their native run and its speeds"
out=$("$S" validate fib:14 --threads 2 --repeat 2 --paired --no-db) || fail "validate --paired text"
grep -qF "each native run against the mean of the seeds that modelled it" <<<"$out" ||
  fail "validate --paired text lacks the paired errors: $out"

# 4. A replayed trace file: its own work, no calibration workload.
"$S" trace gen fib:8,work=2000,ws=0 -o "$T/f.jsonl" > /dev/null 2>&1 || fail "trace gen"
out=$("$S" validate "$T/f.jsonl" --threads 1 --repeat 2 --db "$T/r.db" --json) ||
  fail "validate a trace file"
grep -q "\"sim_trace\":\"$T/f.jsonl\"" <<<"$out" || fail "trace not replayed as itself: $out"
# Its native cost per spawn beyond its work is measured and charged as spawn_ns (rounded); the
# busy loop's rate is measured again before each native run and after the last, and where its
# ratio to the calibrated rate is outside its interval, the model's core runs at it.
python3 - "$out" <<'EOF1' || fail "replay cost or busy-loop rate: $(head -c 600 <<<"$out")"
import json, sys
r = json.loads(sys.argv[1])
c = r["calibration"]
assert c["replay"]["n"] > 0, c["replay"]
b = c["busy_rate"]
assert b["n"] == 3 and b["ratio"] > 0, b
fr = b["ratio"] if abs(b["ratio"] - 1) > b["ci95"] else 1
assert b["applied"] == fr, b
assert abs(r["model_capacity"][0] - min(max(fr, 0.01), 100)) <= 1e-9, (r["model_capacity"], b)
EOF1
r() { sqlite3 "$T/r.db" "$1"; }
# (less the detours its trials' CPU time held, which the model's cores pay as detours: at most
# the trials' CPU per process times the detours' share, per spawn)
[ "$(r "SELECT COUNT(*) FROM runs WHERE mode = 'sim' AND json_extract(params, '\$.spawn_ns') =
        MAX(0, CAST(round(json_extract(params, '\$.calibration.replay_model_ns')) AS INTEGER))
        AND json_extract(params, '\$.calibration.replay_model_ns') <=
            json_extract(params, '\$.calibration.replay_ns')")" = 20 ] ||
  fail "replay's spawn_ns is not its calibrated cost: $(r "SELECT params FROM runs WHERE mode = 'sim'")"

# 4a. The same trace on 2 threads: the steal round and the N-worker factor are measured in
# runs of the trace itself between the native runs (its workers keep symmetric deques and
# take the replay's lock), each CPU's speed with the trace pinned on it; the factor divides
# every simulated core's capacity.
if [ "$(nproc)" -ge 2 ]; then
  out=$("$S" validate "$T/f.jsonl" --threads 2 --repeat 3 --sim-repeat 2 --no-db --json) ||
    fail "validate a trace file on 2 threads"
  python3 - "$out" <<'EOF2' || fail "trace on 2 threads: $(head -c 600 <<<"$out")"
import json, sys
r = json.loads(sys.argv[1])
c = r["calibration"]
bf = c["busy_factor"]
assert c["replay"]["n"] > 0 and c["proc"]["n"] == 0, "a trace: its own work, no proc"
assert 0 <= c["steal_round"]["n"] <= 4 and 0 <= bf["n"] <= 4, (c["steal_round"], bf)
assert c["busy_cpu"]["n"] == 0, "a trace has no one-worker per-process trial to compare with"
fa = bf["ratio"] if bf["n"] >= 3 and bf["ratio"] > 0 and abs(bf["ratio"] - 1) > bf["ci95"] else 1
assert bf["applied"] == fa, bf
# each CPU's speed measured with the trace pinned on it, as for computed workloads
sp = c["cpu_speed"]
assert len(sp) == 2 and sp[0]["capacity"] == 1 and sp[1]["n"] > 0, sp
br = c["busy_rate"]
assert br["n"] == 4, br
for k, m in enumerate(r["model_capacity"]):
    assert abs(m - sp[k]["capacity"] * br["applied"] / fa) <= 1e-9 * m, (r["model_capacity"], sp, br, fa)
EOF2
fi

# 4b. msg_remote_ns charges a send whose receiver last ran on another core: with steals on two
# cores the makespan moves, every message still delivered; on one core nothing is remote.
ms() { "$S" replay fib:14 --topology "$1" --param msg_remote_ns="$2" --no-db --json |
       python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["makespan_ns"], j["messages"])'; }
a=$(ms m1 0) && b=$(ms m1 100000) || fail "replay with msg_remote_ns"
[ "${a#* }" = 1218 ] && [ "${b#* }" = 1218 ] || fail "messages lost with msg_remote_ns: $a / $b"
[ "${b% *}" -gt "${a% *}" ] || fail "msg_remote_ns=100000 did not lengthen fib:14 on m1: $a vs $b"
[ "$(ms synth:p=1 0)" = "$(ms synth:p=1 100000)" ] || fail "msg_remote_ns moved a one-core run"

# 4c. steal_hit_ns charges the thief of every steal that took a process, steal_victim_ns the
# victim's running process: each lengthens a run with steals (the steals' busy time is the
# thief's steal_ns), none moves a one-core run.
st() { "$S" replay fib:14 --topology "$1" --param "$2" --no-db --json |
       python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["makespan_ns"], j["steals"])'; }
a=$(st m1 steal_hit_ns=0) && b=$(st m1 steal_hit_ns=200000) && c=$(st m1 steal_victim_ns=200000) ||
  fail "replay with steal_hit_ns / steal_victim_ns"
[ "${a#* }" -gt 0 ] || fail "fib:14 on m1 made no steal: $a"
[ "${b% *}" -gt "${a% *}" ] || fail "steal_hit_ns=200000 did not lengthen fib:14 on m1: $a vs $b"
[ "${c% *}" -gt "${a% *}" ] || fail "steal_victim_ns=200000 did not lengthen fib:14 on m1: $a vs $c"
[ "$(st synth:p=1 steal_hit_ns=0)" = "$(st synth:p=1 steal_victim_ns=200000)" ] ||
  fail "steal_victim_ns moved a one-core run"
# 4d. Host noise through the command line: both terms lengthen a run and make its steals differ
# by seed on 2 cores, where without noise every seed makes the same run; one term alone is off.
nz() { "$S" replay fib:18 --topology synth:p=2 --seed "$1" ${2:+--param "$2"} ${3:+--param "$3"} \
       --no-db --json | python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["makespan_ns"], j["steals"])'; }
q0=$(nz 1) && q1=$(nz 1 noise_gap_ns=100000 noise_ns=10000) && q2=$(nz 2 noise_gap_ns=100000 noise_ns=10000) &&
  q3=$(nz 1 noise_gap_ns=100000) && q4=$(nz 2) || fail "replay with noise_gap_ns / noise_ns"
[ "${q1% *}" -gt "${q0% *}" ] || fail "noise did not lengthen fib:18 on 2 cores: $q0 vs $q1"
[ "$q0" = "$q3" ] && [ "$q0" = "$q4" ] || fail "noise_gap_ns alone, or another seed, moved a run without noise: $q0 / $q3 / $q4"
[ "$q1" != "$q2" ] || fail "two seeds drew the same noise: $q1"
# Machine-wide detours through the command line: they lengthen a run and differ by seed; one
# term alone is off; the same detours on every core are not the same run as each core's own.
q5=$(nz 1 noise_shared_gap_ns=100000 noise_shared_ns=10000) &&
  q6=$(nz 2 noise_shared_gap_ns=100000 noise_shared_ns=10000) && q7=$(nz 1 noise_shared_ns=10000) ||
  fail "replay with noise_shared_gap_ns / noise_shared_ns"
[ "${q5% *}" -gt "${q0% *}" ] || fail "machine-wide noise did not lengthen fib:18 on 2 cores: $q0 vs $q5"
[ "$q5" != "$q6" ] && [ "$q0" = "$q7" ] && [ "$q5" != "$q1" ] ||
  fail "machine-wide noise: seeds $q5 / $q6, one term alone $q7 (want $q0), own noise $q1"
if [ "$(nproc)" -ge 2 ]; then
  # Computed workloads: both are calibrated (where membarrier exists) and given to the model.
  "$S" validate fib:12 --threads 2 --repeat 2 --db "$T/h.db" --json > /dev/null ||
    fail "validate fib:12 for steal_hit_ns"
  n=$(sqlite3 "$T/h.db" "SELECT json_extract(description, '\$.calibration.steal_hit.n') FROM experiments")
  if [ "${n:-0}" -gt 0 ]; then
    [ "$(sqlite3 "$T/h.db" "SELECT COUNT(*) FROM runs WHERE mode = 'sim' AND
          json_extract(params, '\$.steal_hit_ns') > 0")" = 20 ] ||
      fail "steal_hit_ns measured but not given to the model"
  else
    skip_check "validate.sh: no membarrier here, steal_hit_ns not measured"
  fi
fi

# 4b. runtime_known=0 (what validate gives computed workloads): the scheduler no longer weighs a
# process's 1 ns of work against a migration's cost, so steals it refused go through, in a
# replay and in a native replay alike.
considered() { grep -o '[0-9.]* % of [0-9]* considered' "$1" | cut -d' ' -f1; }
for k in 1 0; do
  "$S" replay nqueens:10,work=1 -t synth:p=2 -s locality --param runtime_known=$k --no-db \
    > "$T/rk$k" 2>&1 || fail "replay runtime_known=$k: $(tail -1 "$T/rk$k")"
  # Natively a run under load may see no steal at all (one worker does everything: 0 considered,
  # which decides nothing): up to 3 tries for a run that considered some.
  for try in 1 2 3; do
    "$S" native --replay nqueens:8,work=1 --threads 2 -s locality --param runtime_known=$k \
      --no-db > "$T/nrk$k" 2>&1 || fail "native runtime_known=$k: $(tail -1 "$T/nrk$k")"
    grep -q ' % of 0 considered' "$T/nrk$k" || break
  done
done
# (the share of the migrations considered that were made: more with the run time unknown)
more() { awk -v a="$(considered "$1")" -v b="$(considered "$2")" 'BEGIN { exit !(a > b) }'; }
more "$T/rk0" "$T/rk1" ||
  fail "replay: runtime_known changed no migration decision: $(considered "$T/rk1") vs $(considered "$T/rk0")"
more "$T/nrk0" "$T/nrk1" ||
  fail "native: runtime_known changed no migration decision: $(considered "$T/nrk1") vs $(considered "$T/nrk0")"

# 5. Bad command lines exit 2 and name the option.
expect_exit 2 "$S" validate fib:12 --sweep threads=0
grep -q "sweep threads" "$T/err" || fail "--sweep threads=0: $(cat "$T/err")"
expect_exit 2 "$S" validate fib:12 --repeat 1
grep -q -- "--repeat" "$T/err" || fail "--repeat 1: $(cat "$T/err")"
expect_exit 2 "$S" validate fib:12 --threads 2 --sweep threads=1,2
expect_exit 2 "$S" validate fib:12 --sim-repeat 1
grep -q -- "--sim-repeat" "$T/err" || fail "--sim-repeat 1: $(cat "$T/err")"
expect_exit 2 "$S" validate fib:12 --sim-repeat 101
grep -q -- "--sim-repeat" "$T/err" || fail "--sim-repeat 101: $(cat "$T/err")"

finish validate.sh
