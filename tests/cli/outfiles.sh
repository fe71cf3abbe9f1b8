#!/usr/bin/env bash
# Output files given on the command line appear whole or not at all, and a target that is not
# a regular file (a FIFO, /dev/null) is written through, never replaced by a rename, and "-" is
# standard output: trace gen, compare --plan and topo detect -o.
. "$(dirname "$0")/lib.sh"

# A FIFO stays a FIFO and its reader gets the whole trace.
mkfifo "$T/pipe"
cat "$T/pipe" > "$T/from-pipe" &
reader=$!
"$S" trace gen fib:6 -o "$T/pipe" 2> "$T/err" || bad "trace gen into a FIFO: $(cat "$T/err")"
wait "$reader"
[ -p "$T/pipe" ] || bad "the FIFO was replaced"
"$S" trace gen fib:6 -o "$T/file.jsonl" 2> /dev/null || bad "trace gen into a file"
cmp -s "$T/from-pipe" "$T/file.jsonl" || bad "the FIFO's reader did not get the whole trace"

# /dev/null stays the character device (a rename over it as root would replace the device).
before=$(stat -c '%F %t:%T' /dev/null)
"$S" trace gen fib:6 -o /dev/null 2> "$T/err" || bad "trace gen -o /dev/null: $(cat "$T/err")"
"$S" topo detect -o /dev/null 2> "$T/err" || bad "topo detect -o /dev/null: $(cat "$T/err")"
[ "$(stat -c '%F %t:%T' /dev/null)" = "$before" ] || bad "/dev/null changed: $(stat -c '%F' /dev/null)"
ls -a /dev | grep -q 'null\.tmp' && bad "a temporary file was left in /dev"

# "-" is standard output: the whole trace there, and no file named "-".
(cd "$T" && "$S" trace gen fib:6 -o - > "$T/stdout.jsonl" 2> "$T/err") ||
  bad "trace gen -o -: $(cat "$T/err")"
cmp -s "$T/stdout.jsonl" "$T/file.jsonl" || bad "trace gen -o - did not write the whole trace"
[ -e "$T/-" ] && bad "trace gen -o - wrote a file named -"

# A failed generator leaves neither the output nor a temporary file.
"$S" trace gen fib:100000000 -o "$T/huge.jsonl" 2> /dev/null && bad "fib:100000000 was accepted"
ls "$T" | grep -q 'huge' && bad "a failed trace gen left $(ls "$T" | grep huge)"

# compare --plan writes the plan through the same path.
"$S" compare fib:5 --topology m1 --strategy random --plan "$T/plan.txt" > /dev/null 2> "$T/err" ||
  bad "compare --plan: $(cat "$T/err")"
[ "$(wc -l < "$T/plan.txt")" -ge 1 ] || bad "the plan has no line"
ls "$T" | grep -q 'plan.txt.tmp' && bad "compare --plan left a temporary file"

finish outfiles "FIFO, /dev/null, standard output, failure and plan checks"
