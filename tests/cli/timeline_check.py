#!/usr/bin/env python3
"""timeline_check.py JSON DB RUN [--wakers N] [--queued] [--cut] [--moves N]: check that JSON (schedlab export
--perfetto) is valid Chrome trace-event JSON and that its slices reproduce run RUN of DB: per
core, the run and migrate slices add up to core_stats.busy_ns exactly, and no core's slices
overlap; every core has a queue counter track, its counts >= 0 and 0 at the end (of a run
whose processes all exited). --wakers N: every wake-up names a waker that is another valid
core, but at most N (the feeder's injections of a native run). --queued: some count is > 0.
--cut: the timeline was cut at its cap, so slices add up to at most busy_ns, not exactly.
--moves N: N flows of category "balance" (migrations not made by a steal); every flow but a
steal's joins two different cores of the run, each inside one of its slices at the flow's time.
Prints one summary line; exits 1 with the first problem found."""
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


def check_queues(counters, cores, complete, queued):
    """counters: {tid: [(ts_ns, waiting)]} of the 'queue core N' tracks."""
    for core in cores:
        track = sorted(counters.get(core, []))
        if not track:
            fail(f"core {core}: no queue counter track")
        if any(v < 0 for _, v in track):
            fail(f"core {core}: a negative queue count: {min(v for _, v in track)}")
        if complete and track[-1][1] != 0:
            fail(f"core {core}: queue count {track[-1][1]} at the end, not 0")
    if queued and not any(v > 0 for t in counters.values() for _, v in t):
        fail("every queue count is 0 (queue lengths not sampled)")


def check_wakers(wakes, cores, allowed):
    """wakes: [(tid, waker or None)]; at most `allowed` without a waker."""
    bad = [(t, k) for t, k in wakes if k is not None and (k not in cores or k == t)]
    if bad:
        fail(f"wake-ups naming no valid other core as waker (core, waker): {bad[:5]}")
    none = sum(1 for _, k in wakes if k is None)
    if none > allowed:
        fail(f"{none} of {len(wakes)} wake-ups name no waker (at most {allowed} may)")


def covered(sl, t):
    return any(a <= t < b or a == t == b for a, b, _ in sl)


def check_moves(flows, spans, cores, want):
    """flows: {id: {ph: event}}; want: how many 'balance' flows."""
    n = 0
    for fid, ends in flows.items():
        cat = ends["s"].get("cat")
        if cat == "steal":
            continue
        n += cat == "balance"
        s, f = ends["s"], ends["f"]
        if s["tid"] not in cores or f["tid"] not in cores or s["tid"] == f["tid"]:
            fail(f"{cat} flow {fid}: from core {s['tid']} to {f['tid']}")
        for e in (s, f):
            if not covered(spans.get(e["tid"], []), ns(e["ts"])):
                fail(f"{cat} flow {fid}: no slice on core {e['tid']} at {e['ts']} us")
    if n != want:
        fail(f"{n} balance flows, expected {want}")


def main():
    path, db, run = sys.argv[1], sys.argv[2], int(sys.argv[3])
    opts = sys.argv[4:]
    wakers = int(opts[opts.index("--wakers") + 1]) if "--wakers" in opts else None
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        fail("not the JSON Object Format (no traceEvents array)")
    events = doc["traceEvents"]
    busy, spans, flows, counters, wakes, ends = {}, {}, {}, {}, [], {}
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
            ends.setdefault(e["id"], {})[e["ph"]] = e
        elif e["ph"] == "C" and e.get("cat") == "queue":
            if e["name"] != f"queue core {e.get('tid')}":
                fail(f"event {i}: queue counter {e['name']!r} on track {e.get('tid')}")
            counters.setdefault(e["tid"], []).append((ns(e["ts"]), e["args"]["waiting"]))
        elif e["ph"] == "i" and e.get("cat") == "wake":
            wakes.append((e["tid"], e.get("args", {}).get("waker")))
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
    cut = "--cut" in opts
    if cut != (doc.get("otherData", {}).get("slices_cut", 0) > 0):
        fail(f"otherData.slices_cut is {doc.get('otherData', {}).get('slices_cut')}, "
             f"expected {'> 0' if cut else '0'}")
    for core, want in rows:
        if busy.get(core, 0) > want or (not cut and busy.get(core, 0) != want):
            fail(f"core {core}: slices add up to {busy.get(core, 0)} ns busy, core_stats "
                 f"says {want}")
    cores = {core for core, _ in rows}
    complete = con.execute("SELECT stuck_processes = 0 FROM run_summary WHERE run_id = ?",
                           (run,)).fetchone() == (1,)
    check_queues(counters, cores, complete, "--queued" in opts)
    if wakers is not None:
        check_wakers(wakes, cores, wakers)
    if "--moves" in opts:
        check_moves(ends, spans, cores, int(opts[opts.index("--moves") + 1]))
    print(f"timeline_check: {len(events)} events, {sum(len(s) for s in spans.values())} "
          f"slices, {len(flows)} flows, {len(wakes)} wake-ups; busy time of {len(rows)} "
          f"cores exact, queue tracks of all")


main()
