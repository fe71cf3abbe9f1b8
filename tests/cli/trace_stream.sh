#!/usr/bin/env bash
# trace_stream.sh: files written by `trace gen` (the seekable "kids" layout) replay to the same
# rows as their generator; files in the older depth-first order, and "kids" files that were cut
# or edited, still replay or fail as any file would; replaying a ~2.7 M-process file keeps its
# memory bounded (nothing is read ahead).
. "$(dirname "$0")/lib.sh"

# the replay's JSON without what names the source, times the run or counts a generator's tally
rows() { sed -E 's/"(trace|wall_s|events_per_s|run_id|result|solutions)":("[^"]*"|[-0-9.e+]*),?//g; s/,}/}/g' "$1"; }

# replay A and B alike (extra replay options after them); their rows must be equal
same_rows() {
  local a=$1 b=$2; shift 2
  expect_exit 0 "$S" replay "$a" --no-db --json "$@"; rows "$T/out" > "$T/ra"
  expect_exit 0 "$S" replay "$b" --no-db --json "$@"; rows "$T/out" > "$T/rb"
  grep -q '"makespan_ns":[1-9]' "$T/ra" || fail "$a: no makespan in $(head -c 300 "$T/ra")"
  cmp -s "$T/ra" "$T/rb" || fail "$a vs $b ($*): rows differ: $(diff "$T/ra" "$T/rb" | head -5)"
}

# ---- gen -> file -> replay equals the generator, for every kind of tree (and lines longer
# than the reader's 8 KiB windows) ----
for spec in fib:12 nqueens:6 uts:default ring:procs=20,rounds=3,tokens=2 \
            server:clients=10,requests=3,servers=2 bursty:bursts=3,size=6,fanout=2 \
            skewed:procs=150,spawners=4 mixed:procs=40 affinity:procs=40,cores=8 \
            ring:procs=6,rounds=3000,tokens=2; do
  f="$T/$(echo "$spec" | tr ':,=/' '____').jsonl"
  expect_exit 0 "$S" trace gen "$spec" -o "$f"
  head -1 "$f" | grep -q '"layout":"kids","bytes": *'"$(stat -c %s "$f")"',' \
    || fail "$spec: header lacks the layout and the file's size: $(head -1 "$f")"
  same_rows "$spec" "$f" --topology m1 --seed 2
  same_rows "$spec" "$f" --topology epyc7r13-2s --strategy random --seed 5
done
ok "generated files replay to their generator's rows"

# the same bytes whatever the target: a FIFO gets the file a regular file gets
mkfifo "$T/pipe"
cat "$T/pipe" > "$T/from-pipe" &
"$S" trace gen fib:12 -o "$T/pipe" 2> /dev/null || fail "gen into a FIFO"
wait
cmp -s "$T/from-pipe" "$T/fib_12.jsonl" || fail "the FIFO got other bytes than the file"

# ---- files in the depth-first order written before the layout replay as before ----
D=tests/data/trace_order
same_rows fib:11 "$D/fib11_depth_first.jsonl" --topology m1 --seed 3
same_rows affinity:procs=30,cores=8 "$D/affinity30_depth_first.jsonl" --topology m1 --seed 3
# a "kids" file without its layout field is read in file order, reading ahead
sed '1s/,"layout":"kids"//' "$T/fib_12.jsonl" > "$T/plain.jsonl"
same_rows fib:12 "$T/plain.jsonl" --topology m1 --seed 2
ok "older files replay to the same rows"

# ---- cut or edited "kids" files: the header's size no longer matches, so they are read in
# order and fail as any file would; a same-size edit of an offset fails naming line and field ----
head -3 "$T/fib_12.jsonl" > "$T/cut.jsonl"
expect_stderr 1 "$T/cut.jsonl:2: phases: process 0 spawns" "$S" replay "$T/cut.jsonl" --no-db
{ cat "$T/fib_12.jsonl"; echo '{"id":99999,"spawn":0,"phases":[["run",5]]}'; } > "$T/extra.jsonl"
expect_stderr 1 "$T/extra.jsonl:" "$S" replay "$T/extra.jsonl" --no-db
has "$T/err" "roots"
# line 2's kids offset moved by one byte: not where a line starts
off=$(sed -n 2p "$T/fib_12.jsonl" | grep -o '"kids":\[ *[0-9]*' | grep -o '[0-9]*$')
sed "2s/\"kids\":\[\( *\)$off,/\"kids\":[\1$((off + 1)),/" "$T/fib_12.jsonl" > "$T/moved.jsonl"
[ "$(stat -c %s "$T/moved.jsonl")" = "$(stat -c %s "$T/fib_12.jsonl")" ] || fail "edit changed the size"
expect_stderr 1 "$T/moved.jsonl:2: kids: offset $((off + 1)) (line 3) is not where a line starts" \
  "$S" replay "$T/moved.jsonl" --no-db
# line 2's kids block pointed at the wrong child (its second child's line)
off2=$((off + $(sed -n 3p "$T/fib_12.jsonl" | wc -c)))
sed "2s/\"kids\":\[\( *\)$off,\( *\)3\]/\"kids\":[\1$off2,\24]/" "$T/fib_12.jsonl" > "$T/wrong.jsonl"
expect_stderr 1 "$T/wrong.jsonl:4: id: expected process 1 (spawned by 0, line 2)" \
  "$S" replay "$T/wrong.jsonl" --no-db
ok "cut and edited files fail naming file, line and field"

# ---- memory: a 2.7 M-process file (about 350 MB) replays in bounded memory ----
if [ -x /usr/bin/time ]; then
  expect_exit 0 "$S" trace gen fib:30 -o "$T/big.jsonl"
  /usr/bin/time -f '%M' -o "$T/rss" "$S" replay "$T/big.jsonl" --no-db --json > "$T/out" 2> "$T/err" \
    || fail "replay of fib:30 from a file failed: $(head -c 300 "$T/err")"
  has "$T/out" '"processes":2692537'
  rss=$(tail -1 "$T/rss")
  # reading ahead (the depth-first order) held about 60 bytes per line: 160 MB here
  [ "$rss" -lt 65536 ] || fail "replaying 2.7 M processes from a file took $rss KB (limit 64 MB)"
  rm -f "$T/big.jsonl"
  ok "fib:30 from a file: peak RSS $rss KB"
fi

finish trace_stream.sh
