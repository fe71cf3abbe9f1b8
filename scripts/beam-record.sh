#!/usr/bin/env bash
# beam-record.sh: run one Erlang program on a VM of N schedulers under the VM's own tracing and
# write schedlab's BEAM recording (scripts/beam_record.erl says how); `schedlab beam record`
# and `schedlab beam validate` run it.
#   beam-record.sh PROGRAM.erl SCHEDULERS BIND OUT ENTRY TIMEOUT_MS traced|untraced [ARG...]
# BIND is an erl +sbt binding type (u = unbound, db = default bind, ts = thread spread, ...).
# Prints "traced_wall_ns N" or "untraced_wall_ns N" on stdout; errors on stderr, exit 1 (2 for
# a bad command line); exit 77 when erl is not installed.
set -u
if [ $# -lt 7 ]; then
  echo "usage: beam-record.sh PROGRAM.erl SCHEDULERS BIND OUT ENTRY TIMEOUT_MS traced|untraced [ARG...]" >&2
  exit 2
fi
prog=$1 sched=$2 bind=$3 out=$4 entry=$5 timeout=$6 mode=$7
shift 7
if ! command -v erl > /dev/null || ! command -v erlc > /dev/null; then
  echo "beam record: erl is not installed (apt-get install erlang-base erlang-runtime-tools)" >&2
  exit 77
fi
if [ ! -r "$prog" ]; then
  echo "beam record: $prog: cannot read the program" >&2
  exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if ! erlc -o "$dir" "$here/beam_record.erl" >&2; then
  echo "beam record: cannot compile $here/beam_record.erl" >&2
  exit 1
fi
# +S N:N: N schedulers, all online; +sbt: how they are bound to cores; +sbwt none: schedulers
# do not spin before sleeping (a spinning scheduler counts as active in scheduler_wall_time).
exec erl -noshell -pa "$dir" +S "$sched:$sched" +sbt "$bind" +sbwt none +sbwtdcpu none \
  +sbwtdio none -run beam_record main "$prog" "$out" "$entry" "$timeout" "$mode" "$@"
