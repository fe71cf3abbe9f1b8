#!/usr/bin/env bash
# params_wired.sh: every scheduler parameter `replay --help` lists changes a run. For each one a
# scenario (trace, machine, strategy, the parameters it needs to matter) is replayed with the
# parameter at its default and at another value, and the two runs must differ: in replay's
# --json summary (timings and the echo of the parameters left out) or in what the database holds
# of them (timeseries rows and interval, each core's busy time, steals, wake-ups, sleep). A
# parameter without a scenario here fails: a new one is wired when a run shows it. About 10 s.
. "$(dirname "$0")/lib.sh"

# A process that sleeps between runs leaves its core idle: six of them on four cores are stolen
# over and over (max_migrations).
python3 - "$T/hop.jsonl" << 'EOF'
import json, sys
phases = [["run", 200], ["wait", 150]] * 20
lines = [{"format": "schedlab-trace", "version": 1, "name": "hop", "time_unit": "us",
          "roots": 6, "processes": 6}]
lines += [{"id": i, "spawn": 0, "phases": phases} for i in range(6)]
open(sys.argv[1], "w").write("".join(json.dumps(l) + "\n" for l in lines))
EOF

python3 - "$S" "$T" << 'EOF' || fail "parameters that changed no run (above)"
import json, os, re, subprocess, sys
S, T = sys.argv[1], sys.argv[2]
r = subprocess.run([S, "replay", "--help"], capture_output=True, text=True)
names = re.findall(r"^  ([a-z_0-9]+) +default ", r.stdout + r.stderr, re.M)
assert len(names) >= 50, "replay --help lists %d parameters" % len(names)

F, P4, NUMA = "fib:14", "synth:p=4", "synth:p=8,nodes=2"
WS = "fib:14,ws=1000000"            # a working set: migrations cost refills
MIX = "mixed:procs=300,prio=%s"      # one priority only: its load weight is all there is
HOP = os.path.join(T, "hop.jsonl")
# name: (trace, topology, strategy, parameters it needs, the value that must change the run)
SCEN = {
    "min_steal_queue": (F, P4, "random", [], "8"),
    "wake_queue": (F, P4, "random", ["spin_ns=0"], "8"),
    "imbalance_threshold": (F, P4, "random", [], "10"),
    "steal_cooldown_ns": (F, P4, "random", [], "1000000"),
    "steal_retries": (F, P4, "random", [], "0"),
    "steal_amount": (F, P4, "random", [], "half"),
    "steal_batch_max": (F, P4, "random", ["steal_amount=half"], "1"),
    "p2c_choices": (F, "synth:p=8", "p2c", [], "4"),
    "load_w_max": (MIX % "100/0/0/0", P4, "random", [], "0"),
    "load_w_high": (MIX % "0/100/0/0", P4, "random", [], "0"),
    "load_w_normal": (F, P4, "random", [], "0"),
    "load_w_low": (MIX % "0/0/0/100", P4, "random", [], "0"),
    "low_every": (MIX % "10/10/70/10", "synth:p=2", "random", [], "1"),
    "time_slice_ns": (F, P4, "random", [], "100"),
    "wake_placement": (F, P4, "random", [], "waker"),
    "pick_order": (F, P4, "random", [], "fifo"),
    "wake_at": (F, P4, "random", ["spin_ns=0", "min_steal_queue=1"], "switch"),
    "wake_every": (F, P4, "random", ["wake_at=switch", "spin_ns=0", "min_steal_queue=1"], "16"),
    "balance_interval_ns": ("skewed:procs=500", P4, "random", [], "50000"),
    "balance_compact": ("bursty:bursts=10,size=20", "synth:p=8", "random",
                        ["balance_interval_ns=20000"], "1"),
    "migration_policy": (WS, NUMA, "random", [], "conservative"),
    "migration_factor": (WS, NUMA, "random", [], "100"),
    "max_migrations": (HOP, P4, "random", ["min_steal_queue=1", "imbalance_threshold=0"], "1"),
    "core_migrations_per_s": (F, P4, "random", [], "1"),
    "system_migrations_per_s": (F, P4, "random", [], "1"),
    "burst_max": (F, P4, "random", [], "1"),
    "burst_window_ns": (F, P4, "random", ["burst_max=1"], "0"),
    "numa_cost_scale": (WS, NUMA, "random", [], "100"),
    "ctx_switch_ns": (F, P4, "random", [], "10000"),
    "refill_l2_ns": (WS, "synth:p=8,clusters=2", "random", [], "1000"),
    "refill_l3_ns": (WS, "synth:p=8,clusters=2", "random", [], "1000"),
    "refill_mem_ns": (WS, NUMA, "random", [], "1000"),
    "remote_mem_ns": (WS, NUMA, "random", [], "1000"),
    "numa_migration_ns": (WS, NUMA, "random", [], "100000"),
    "binding": (F, P4, "random", ["spin_ns=0"], "none"),
    "bind_order": (F, "synth:p=8,smt=2", "random", [], "ps"),
    "os_migrate_pct": (F, P4, "random", ["binding=none", "spin_ns=0"], "100"),
    "spin_ns": (F, P4, "random", [], "0"),
    "wake_ns": (F, P4, "random", ["spin_ns=0"], "100000"),
    "spin_wake_ns": (F, P4, "random", ["spin_ns=1000000"], "100000"),
    "spawn_ns": (F, P4, "random", [], "10000"),
    "msg_ns": (F, P4, "random", [], "10000"),
    "msg_remote_ns": (F, P4, "random", [], "10000"),
    "dispatch_ns": (F, P4, "random", [], "10000"),
    "steal_probe_ns": (F, P4, "random", [], "10000"),
    "steal_hit_ns": (F, P4, "random", [], "10000"),
    "steal_victim_ns": (F, P4, "random", [], "10000"),
    "noise_gap_ns": (F, P4, "random", ["noise_ns=1000"], "10000"),
    "noise_ns": (F, P4, "random", ["noise_gap_ns=10000"], "1000"),
    "noise_shared_gap_ns": (F, P4, "random", ["noise_shared_ns=1000"], "10000"),
    "noise_shared_ns": (F, P4, "random", ["noise_shared_gap_ns=10000"], "1000"),
    "sample_interval_ns": (F, P4, "random", [], "100000"),
    "max_events": (F, P4, "random", [], "10"),
    "zero_overheads": (F, P4, "random", [], "1"),
    "no_preempt": (F, P4, "random", ["time_slice_ns=100"], "1"),
    "cost_capacity": (F, "synth:p=2,e=2", "random", ["spawn_ns=1000"], "1"),
    "runtime_known": (WS, NUMA, "random", [], "0"),
}
VOLATILE = {"wall_s", "events_per_s", "run_id", "params"}
SQL = ("SELECT COUNT(*), MAX(r.timeseries_interval_ns) FROM runs r JOIN timeseries t ON "
       "t.run_id = r.id; SELECT group_concat(busy_ns || ':' || steals_in || ':' || wakeups || "
       "':' || sleep_ns, ',') FROM core_stats")

def signature(tag, trace, topo, strategy, params):
    db = os.path.join(T, tag + ".db")
    cmd = [S, "replay", trace, "--topology", topo, "--strategy", strategy, "--db", db, "--json"]
    for p in params:
        cmd += ["--param", p]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:   # (max_events: the run stops with an error)
        return ("exit", r.returncode, r.stderr.strip().splitlines()[-1:])
    j = json.loads(r.stdout)
    rows = subprocess.run(["sqlite3", db, SQL], capture_output=True, text=True, check=True)
    return (tuple(sorted((k, str(v)) for k, v in j.items() if k not in VOLATILE)), rows.stdout)

bad = 0
for n in names:
    if n not in SCEN:
        print("FAIL: parameter %s has no scenario here: add a run that differs because of it" % n)
        bad += 1
        continue
    trace, topo, strategy, base, value = SCEN[n]
    a = signature(n + ".base", trace, topo, strategy, base)
    b = signature(n + ".set", trace, topo, strategy, base + ["%s=%s" % (n, value)])
    if a == b:
        print("FAIL: %s=%s changed nothing in a replay of %s on %s (%s, %s)"
              % (n, value, trace, topo, strategy, " ".join(base) or "defaults"))
        bad += 1
for n in sorted(set(SCEN) - set(names)):
    print("FAIL: a scenario for %s, which replay --help does not list" % n)
    bad += 1
print("params_wired.sh: %d parameters, each changed a replay" % len(names) if bad == 0 else "")
sys.exit(1 if bad else 0)
EOF

finish params_wired.sh
