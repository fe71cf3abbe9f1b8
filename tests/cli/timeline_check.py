#!/usr/bin/env python3
"""timeline_check.py JSON DB RUN: check that JSON (schedlab export --perfetto) is valid Chrome
trace-event JSON and that its slices reproduce run RUN of DB: per core, the run and migrate
slices add up to core_stats.busy_ns exactly, and no core's slices overlap. Prints one summary
line; exits 1 with the first problem found."""
import json
import sqlite3
import sys

PHASES = {"X", "i", "s", "f", "C", "M"}


def fail(msg):
    print("timeline_check: " + msg)
    sys.exit(1)


def ns(us):
    """Microseconds as written (three decimals) back to integer nanoseconds, exactly."""
    return round(us * 1000)


def check_event(i, e):
    for key in ("name", "ph", "pid"):
        if key not in e:
            fail(f"event {i} lacks '{key}': {e}")
    if e["ph"] not in PHASES:
        fail(f"event {i}: unknown phase {e['ph']!r}")
    if e["ph"] != "M" and not isinstance(e.get("ts"), (int, float)):
        fail(f"event {i}: no numeric ts: {e}")
    if e["ph"] in ("X", "i", "s", "f", "M") and not isinstance(e.get("tid"), int):
        fail(f"event {i}: no integer tid: {e}")
    if e["ph"] == "X" and not (isinstance(e.get("dur"), (int, float)) and e["dur"] >= 0):
        fail(f"event {i}: complete event without a duration >= 0: {e}")
    if e["ph"] == "i" and e.get("s") not in ("t", "p", "g"):
        fail(f"event {i}: instant without scope t/p/g: {e}")
    if e["ph"] in ("s", "f") and "id" not in e:
        fail(f"event {i}: flow event without id: {e}")
    if e["ph"] == "C" and not all(isinstance(v, (int, float)) for v in e.get("args", {}).values()):
        fail(f"event {i}: counter with non-numeric args: {e}")
    if e["ph"] == "M" and "args" not in e:
        fail(f"event {i}: metadata without args: {e}")


def main():
    path, db, run = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        fail("not the JSON Object Format (no traceEvents array)")
    events = doc["traceEvents"]
    busy, spans, flows = {}, {}, {}
    for i, e in enumerate(events):
        check_event(i, e)
        if e["ph"] == "X":
            t0, d = ns(e["ts"]), ns(e["dur"])
            if e.get("args", {}).get("dur_ns") != d:
                fail(f"event {i}: dur {e['dur']} us is not its dur_ns {e.get('args')}")
            spans.setdefault(e["tid"], []).append((t0, t0 + d, e["name"]))
            if e.get("cat") in ("run", "migrate"):
                busy[e["tid"]] = busy.get(e["tid"], 0) + d
        elif e["ph"] in ("s", "f"):
            flows.setdefault(e["id"], []).append(e["ph"])
    for fid, phs in flows.items():
        if sorted(phs) != ["f", "s"]:
            fail(f"flow {fid}: phases {phs}, not one start and one finish")
    for tid, sl in spans.items():
        sl.sort()
        for a, b in zip(sl, sl[1:]):
            if b[0] < a[1]:
                fail(f"core {tid}: '{a[2]}' [{a[0]}, {a[1]}) overlaps '{b[2]}' from {b[0]}")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = con.execute("SELECT core, busy_ns FROM core_stats WHERE run_id = ?", (run,)).fetchall()
    if not rows:
        fail(f"run {run} has no core_stats")
    for core, want in rows:
        if busy.get(core, 0) != want:
            fail(f"core {core}: slices add up to {busy.get(core, 0)} ns busy, core_stats "
                 f"says {want}")
    print(f"timeline_check: {len(events)} events, {sum(len(s) for s in spans.values())} "
          f"slices, {len(flows)} flows; busy time of {len(rows)} cores exact")


main()
