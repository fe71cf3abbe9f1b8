#!/usr/bin/env bash
# Limits: 4,096-core machines replay; memory follows the processes alive, not the trace's size;
# a full or read-only disk gives a clear error and leaves the database as it was; Ctrl-C during
# a replay stores nothing and leaves the database consistent; tiny time slices on slow cores and
# the largest search effort finish; the event cap stops a long replay and stores nothing. Uses
# $SCHEDLAB and sqlite3.
#
# The disk checks mount a small tmpfs when they can (root with mount permission: remounted
# read-only for the second check); otherwise the full disk is a file-size limit (ulimit -f,
# SIGXFSZ ignored) and the read-only database a chmod 444 file run as a user other than root
# (LIMITS_NO_MOUNT=1 forces this path).
. "$(dirname "$0")/lib.sh"
M=$T/mnt
mounted=0
on_exit '[ $mounted = 1 ] && umount "$M" 2> /dev/null'
dump() { sqlite3 "$1" .dump 2>&1 | sha1sum; }
consistent() { [ "$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1)" = ok ]; }

# 1. 4,096-core topologies replay (fib:12 is 465 processes) and store every core's row.
for topo in synth:p=4096 synth:sockets=2,nodes=8,clusters=256,p=2048,e=2048; do
  if "$S" replay fib:12 --topology "$topo" --db "$T/big.db" --json > "$T/out" 2> "$T/err"; then
    grep -q '"processes":465' "$T/out" && grep -q '"cores":4096' "$T/out" \
      && ok "$topo replays (465 processes on 4096 cores)" || bad "$topo: $(cat "$T/out")"
  else
    bad "$topo: replay failed: $(cat "$T/err")"
  fi
done
n=$(sqlite3 "$T/big.db" "SELECT COUNT(*) FROM core_stats")
[ "$n" = 8192 ] && ok "core_stats has 2 x 4096 rows" || bad "core_stats has $n rows"

# 2. Memory: peak RSS of a replay does not grow with the number of processes when few are alive
#    at once (a generator: 3,193 vs 392,835 processes; a file read by one core in its order:
#    1,973 vs 92,735 lines). 8 MB of slack is ~20 bytes per extra process: a per-process
#    structure would exceed it.
if [ -x /usr/bin/time ]; then
  rss() { /usr/bin/time -f %M "$S" replay "$@" --no-db 2>&1 > /dev/null | tail -1; }
  small=$(rss fib:16 --topology m1); large=$(rss fib:26 --topology m1)
  [ $((large - small)) -lt 8192 ] && ok "fib:26 peak RSS $large KB, fib:16 $small KB" \
    || bad "fib:26 peak RSS $large KB grows with the trace (fib:16: $small KB)"
  "$S" trace gen fib:15 -o "$T/f15.jsonl" > /dev/null 2>&1
  "$S" trace gen fib:23 -o "$T/f23.jsonl" > /dev/null 2>&1
  small=$(rss "$T/f15.jsonl" --topology synth:p=1); large=$(rss "$T/f23.jsonl" --topology synth:p=1)
  [ $((large - small)) -lt 8192 ] && ok "92,735-line file peak RSS $large KB, 1,973 lines $small KB" \
    || bad "file replay peak RSS $large KB grows with the file (small: $small KB)"
  rm -f "$T"/f15.jsonl "$T"/f23.jsonl
else
  skip_check "/usr/bin/time missing (Debian package time): peak-RSS checks"
fi

# 3. A full disk: the error says so, the run is not stored, the database stays consistent.
if [ -z "${LIMITS_NO_MOUNT:-}" ] && [ "$(id -u)" = 0 ] && mkdir -p "$M" && mount -t tmpfs -o size=1m tmpfs "$M" 2> /dev/null; then
  mounted=1
  DB=$M/r.db
  "$S" replay fib:5 --db "$DB" > /dev/null || bad "replay into the tmpfs"
  before=$(dump "$DB")
  avail=$(df -k --output=avail "$M" | tail -1)
  dd if=/dev/zero of="$M/fill" bs=1k count=$((avail - 48)) 2> /dev/null
  "$S" replay fib:14 --per-process --db "$DB" > /dev/null 2> "$T/err"; rc=$?
  [ $rc = 1 ] && grep -q "$DB: .*full" "$T/err" && ok "full disk: $(cat "$T/err")" \
    || bad "full disk: exit $rc: $(cat "$T/err")"
  dd if=/dev/zero of="$M/fill" bs=1k count=$((avail - 4)) 2> /dev/null
  "$S" replay fib:14 --per-process --db "$DB" > /dev/null 2> "$T/err"; rc=$?
  [ $rc = 1 ] && grep -q "$DB: .*No space left on device" "$T/err" \
    && ok "completely full disk: $(cat "$T/err")" || bad "completely full disk: exit $rc: $(cat "$T/err")"
  rm -f "$M/fill"
  consistent "$DB" && [ "$(dump "$DB")" = "$before" ] && ok "database unchanged by the failed runs" \
    || bad "database changed or damaged by a failed run"
  # 4. The same file system read-only: existing database, and a new one.
  mount -o remount,ro "$M"
  "$S" replay fib:5 --db "$DB" > /dev/null 2> "$T/err"; rc=$?
  [ $rc = 1 ] && grep -q "$DB: cannot open for writing: the file is read-only" "$T/err" \
    && ok "read-only disk: $(cat "$T/err")" || bad "read-only disk: exit $rc: $(cat "$T/err")"
  "$S" replay fib:5 --db "$M/new.db" > /dev/null 2> "$T/err"; rc=$?
  [ $rc = 1 ] && grep -q "$M/new.db: cannot open" "$T/err" \
    && ok "new database on a read-only disk: $(cat "$T/err")" || bad "new db on read-only disk: exit $rc"
  mount -o remount,rw "$M"      # (sqlite3 cannot read a WAL database on a read-only mount)
  [ "$(dump "$DB")" = "$before" ] && ok "read-only database unchanged" || bad "read-only database changed"
  umount "$M" && mounted=0
else
  DB=$T/f.db
  "$S" replay fib:5 --db "$DB" > /dev/null || bad "replay"
  before=$(dump "$DB")
  size=$(( $(stat -c %s "$DB") / 1024 ))
  (trap '' XFSZ; ulimit -f $((size + 8)); "$S" replay fib:15 --per-process --db "$DB") \
    > /dev/null 2> "$T/err"; rc=$?
  [ $rc = 1 ] && grep -q "$DB: " "$T/err" && ok "file size limit: $(cat "$T/err")" \
    || bad "file size limit: exit $rc: $(cat "$T/err")"
  consistent "$DB" && [ "$(dump "$DB")" = "$before" ] && ok "database unchanged by the failed run" \
    || bad "database changed or damaged by a failed run"
  chmod 444 "$DB"
  if [ "$(id -u)" = 0 ]; then
    chmod 755 "$T"
    ro=(setpriv --reuid=65534 --regid=65534 --clear-groups "$S")
  else
    ro=("$S")
  fi
  "${ro[@]}" replay fib:5 --db "$DB" > /dev/null 2> "$T/err"; rc=$?
  [ $rc = 1 ] && grep -q "$DB: cannot open for writing: the file is read-only" "$T/err" \
    && ok "read-only database: $(cat "$T/err")" || bad "read-only database: exit $rc: $(cat "$T/err")"
  [ "$(dump "$DB")" = "$before" ] && ok "read-only database unchanged" || bad "read-only database changed"
fi

# 5. Ctrl-C during a replay (fib:40 runs for minutes): it stops with a message, stores nothing,
#    frees everything without crashing (a double free of running processes was found here), and
#    the database stays consistent.
DB=$T/i.db
"$S" replay fib:5 --db "$DB" > /dev/null
before=$(dump "$DB")
"$S" replay fib:40 --topology m1 --db "$DB" > /dev/null 2> "$T/err" &
pid=$!
# Wait (up to 10 s) until its SIGINT handler is installed (SigCgt bit 2), so that the signal
# lands in the replay and not in process start-up, whatever the load of the machine.
for _ in $(seq 100); do
  cgt=$(sed -n 's/^SigCgt:\s*//p' /proc/$pid/status 2> /dev/null)
  [ -n "$cgt" ] && [ $(( 0x$cgt & 2 )) != 0 ] && break
  sleep 0.1
done
sleep 0.5
kill -INT $pid
wait $pid; rc=$?
[ $rc = 130 ] && grep -q interrupted "$T/err" && ok "interrupted replay exits $rc: $(cat "$T/err")" \
  || bad "interrupted replay: exit $rc: $(head -c 300 "$T/err")"
consistent "$DB" && [ "$(dump "$DB")" = "$before" ] && ok "nothing stored by the interrupted replay" \
  || bad "the interrupted replay changed the database"

# 6. Inputs that passed validation and hung: 2 ns slices on E-core machines (a slice of a 0.35
#    core did (uint64_t)(2 * 0.35) = 0 ns of work), the largest search effort per idle round on
#    4,096 cores; each finishes with every process (the timeout only guards against a hang).
for topo in m1 i9-12900k; do
  timeout -s KILL 300 "$S" replay fib:12 --topology $topo --param time_slice_ns=2 --no-db --json \
    > "$T/out" 2> "$T/err"; rc=$?
  [ $rc = 0 ] && grep -q '"processes":465' "$T/out" && ok "time_slice_ns=2 on $topo finishes" \
    || bad "time_slice_ns=2 on $topo: exit $rc: $(head -c 300 "$T/err")"
done
timeout -s KILL 300 "$S" replay fib:12 --topology synth:p=4096 -s p2c --param p2c_choices=64 \
  --param steal_retries=1024 --no-db --json > "$T/out" 2> "$T/err"; rc=$?
[ $rc = 0 ] && grep -q '"processes":465' "$T/out" && ok "largest p2c_choices and steal_retries finish" \
  || bad "largest search effort: exit $rc: $(head -c 300 "$T/err")"
# ... and a replay of more events than max_events (fib:40: billions) stops at once with exit 1,
# storing nothing.
DB=$T/cap.db
"$S" replay fib:5 --db "$DB" > /dev/null
before=$(dump "$DB")
timeout -s KILL 300 "$S" replay fib:40 --param max_events=1000000 --db "$DB" > /dev/null 2> "$T/err"; rc=$?
[ $rc = 1 ] && grep -q "more than 1000000 events (parameter max_events)" "$T/err" \
  && ok "event cap: $(cat "$T/err")" || bad "event cap: exit $rc: $(head -c 300 "$T/err")"
[ "$(dump "$DB")" = "$before" ] && ok "nothing stored by the capped replay" \
  || bad "the capped replay changed the database"

finish limits.sh
