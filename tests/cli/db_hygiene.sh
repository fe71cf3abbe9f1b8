#!/usr/bin/env bash
# db_hygiene.sh: what the commands do to database files. A file that is not a schedlab database
# given to replay/compare/native --db, plot --db or merge keeps its bytes (sha1) and gets no
# -wal/-shm file; merge refuses an input named twice (also through a symlink) or OUT as an
# input (exit 2), copies every row of every input, and after a failure leaves OUT as it was (no
# empty experiment) or, for a new OUT, no file at all; plot reads a database in a read-only
# folder (a read-only bind mount when this runs as root, chmod a-w otherwise) without creating
# a file there, reads rows that wait in a -wal file, and leaves no empty or temporary file when
# gnuplot fails.
. "$(dirname "$0")/lib.sh"   # expect_exit writes $T/out and $T/err: out and err below
cd "$T" || exit 1
no_side_files() {
  for f in "$@"; do
    for x in -wal -shm -journal; do [ -e "$f$x" ] && fail "$f$x was created"; done
  done
}
dump() { sqlite3 "$1" .dump | sha1sum; }
count() { sqlite3 "$1" "SELECT COUNT(*) FROM $2"; }

# ---- files that are not schedlab databases ---------------------------------------------------
printf 'this is a trace, not a database\n' > text.db
head -c 8192 /dev/urandom > random.db
sqlite3 foreign.db "CREATE TABLE t (x); INSERT INTO t VALUES (1);"
sqlite3 foreign-wal.db "PRAGMA journal_mode = WAL; CREATE TABLE t (x);" >/dev/null
"$S" replay fib:4 --topology m1 --db newer.db >/dev/null || fail "cannot make newer.db"
sqlite3 newer.db "PRAGMA user_version = 99"
refused="text.db random.db foreign.db foreign-wal.db newer.db"
sha1sum $refused > sums
for f in $refused; do
  expect_exit 1 "$S" replay fib:4 --topology m1 --db "$f"
  has err "$f"
  expect_exit 1 "$S" compare fib:4 --topology m1 --strategy ring --db "$f"
  has err "$f"
  expect_exit 1 "$S" native fib:8 --threads 2 --db "$f"
  has err "$f"
  expect_exit 1 "$S" plot --db "$f" -o "plots-$f"
  has err "$f"
  [ -e "plots-$f" ] && fail "plot of $f created its output folder"
  expect_exit 1 "$S" merge "merged-$f" "$f"
  has err "$f"
  [ -e "merged-$f" ] && fail "a refused merge of $f created its output"
done
has_text=$(grep -c . sums)
sha1sum --quiet -c sums || fail "a refused file changed"
[ "$has_text" -eq 5 ] || fail "sums lists $has_text files"
no_side_files $refused
ls merged-* plots-* 2>/dev/null && fail "outputs of refused commands remain"

# An empty file is a new database (documented in sim_db.h), for writers only.
: > empty.db
expect_exit 1 "$S" plot --db empty.db -o plots-empty
has err "empty file"
[ -s empty.db ] && fail "plot wrote into an empty file"
expect_exit 0 "$S" replay fib:4 --topology m1 --db empty.db
[ "$(count empty.db runs)" -eq 1 ] || fail "empty.db did not become a database with one run"

# Writers that create one database at the same moment all succeed (none sees a half-made file
# as foreign): 6 replays at once on a new path store 6 runs.
pids=()
for i in 1 2 3 4 5 6; do
  "$S" replay fib:8 --topology m1 --seed "$i" --db race.db >/dev/null 2>"race$i.err" & pids+=($!)
done
for i in 1 2 3 4 5 6; do
  wait "${pids[$((i - 1))]}" || fail "replay $i of 6 on a new database failed: $(cat "race$i.err")"
done
[ "$(count race.db runs)" -eq 6 ] || fail "6 concurrent replays stored $(count race.db runs) runs"

# ---- merge ---------------------------------------------------------------------------------
"$S" replay fib:5 --topology m1 --db a.db >/dev/null
"$S" replay fib:5 --topology m1 --seed 2 --db a.db >/dev/null
"$S" replay fib:6 --topology synth:p=4 --per-process --db b.db >/dev/null
ln -s a.db link-a.db
for args in "a.db a.db" "a.db ./a.db" "a.db link-a.db" "b.db $T/b.db"; do
  expect_exit 2 "$S" merge twice.db $args
  has err "given twice"
  [ -e twice.db ] && fail "merge twice.db $args created twice.db"
done
cp a.db out.db
before=$(dump out.db)
expect_exit 2 "$S" merge out.db b.db out.db
has err "is the output database"
expect_exit 2 "$S" merge link-a.db a.db
has err "is the output database"
[ "$(dump out.db)" = "$before" ] || fail "merge into itself changed out.db"

# success: every row of every input, one experiment, new run ids
expect_exit 0 "$S" merge all.db a.db b.db
has out "merged 3 runs from 2 databases into experiment 1 of all.db"
for t in runs run_summary core_stats steal_matrix migrations timeseries processes; do
  want=$(( $(count a.db "$t") + $(count b.db "$t") ))
  [ "$(count all.db "$t")" -eq "$want" ] || fail "all.db has $(count all.db "$t") $t rows, want $want"
done
[ "$(sqlite3 all.db 'SELECT COUNT(DISTINCT experiment_id) FROM runs')" = 1 ] ||
  fail "merged runs are not in one experiment"
ls all.db.tmp-* 2>/dev/null && fail "merge left its temporary file"

# failure half-way (the second input breaks a CHECK): nothing is merged, no empty experiment
cp b.db bad.db
sqlite3 bad.db "PRAGMA ignore_check_constraints = 1; UPDATE run_summary SET makespan_ns = -1"
before=$(dump all.db)
expect_exit 1 "$S" merge all.db a.db bad.db
has err "bad.db"
has err "nothing was merged"
[ "$(dump all.db)" = "$before" ] || fail "a failed merge changed all.db"
[ "$(count all.db experiments)" -eq 1 ] || fail "a failed merge left an experiment"
expect_exit 1 "$S" merge new.db a.db bad.db
[ -e new.db ] && fail "a failed merge left new.db"
ls new.db* 2>/dev/null && fail "a failed merge left temporary files"
no_side_files a.db b.db bad.db

# ---- plot in a read-only folder ----------------------------------------------------------
mkdir ro
"$S" replay fib:6 --topology m1 --db ro/r.db >/dev/null
sum=$(sha1sum < ro/r.db); mtime=$(stat -c %Y.%y ro/r.db); listing=$(ls -lA --time-style=full-iso ro)
if [ "$(id -u)" != 0 ]; then
  chmod a-w ro/r.db ro
  expect_exit 0 "$S" plot --db ro/r.db -o plot-ro
  how="chmod a-w"
elif unshare -m true 2>/dev/null; then
  unshare -m sh -c 'mount --bind ro ro && mount -o remount,bind,ro ro && touch ro/probe 2>/dev/null && exit 9; exec "$@"' \
    sh "$S" plot --db ro/r.db -o plot-ro >out 2>err
  rc=$?
  [ "$rc" -eq 0 ] || fail "plot in a read-only bind mount exited $rc: $(head -c 400 err)"
  how="read-only bind mount"
else
  expect_exit 0 "$S" plot --db ro/r.db -o plot-ro   # root without mounts: bytes and listing
  how="unchanged bytes and listing (root, no mount namespace)"
fi
[ -s plot-ro/makespan.dat ] || fail "plot in a read-only folder ($how) wrote no makespan.dat"
[ "$(sha1sum < ro/r.db)" = "$sum" ] || fail "plot changed the database ($how)"
[ "$(stat -c %Y.%y ro/r.db)" = "$mtime" ] || fail "plot touched the database ($how)"
[ "$(ls -lA --time-style=full-iso ro)" = "$listing" ] || fail "plot changed the folder's listing ($how)"
chmod u+w ro ro/r.db

# rows that wait in a -wal file (a writer killed before it closed) are read
python3 - <<'EOF' || fail "could not leave rows in a -wal file"
import os, sqlite3
c = sqlite3.connect("a.db")
c.execute("INSERT INTO experiments(description) VALUES ('pending')")
c.execute("UPDATE runs SET experiment_id = (SELECT MAX(id) FROM experiments)")
c.commit()
os._exit(0)   # no close: the rows stay in a.db-wal
EOF
[ -s a.db-wal ] || fail "a.db-wal holds no rows"
expect_exit 0 "$S" plot --db a.db -o plot-wal --gnuplot /nonexistent
has out "experiment 1: 2 runs"

# ---- a failing gnuplot leaves no empty or temporary file ----------------------------------
cat > fake-gnuplot <<'EOF'
#!/bin/sh
# Creates its output as gnuplot does on "set output", then fails.
out=$(printf '%s' "$2" | sed -n "s/.*out='\([^']*\)'.*/\1/p")
fmt=$(printf '%s' "$2" | sed -n "s/.*fmt='\([^']*\)'.*/\1/p")
: > "$out.$fmt"
exit 1
EOF
chmod +x fake-gnuplot
expect_exit 0 "$S" plot --db all.db -o plot-fail --gnuplot "$T/fake-gnuplot"
has err "gnuplot failed"
[ -s plot-fail/index.html ] || fail "no index.html after gnuplot failed"
empty=$(find plot-fail -type f -size 0)
[ -z "$empty" ] || fail "empty files after gnuplot failed: $empty"
ls plot-fail | grep -q 'tmp' && fail "temporary files after gnuplot failed: $(ls plot-fail)"
ls plot-fail/*.png 2>/dev/null && fail "images after gnuplot failed"

finish db_hygiene.sh "read-only folder checked by $how"
