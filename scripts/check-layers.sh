#!/usr/bin/env bash
# The include graph follows the layers: every #include "DIR/FILE.h" in core/, sim/ and native/
# names a header of the file's own folder or of a folder of a lower layer. Exit 1 naming each
# upward or sideways include; exit 0 with a one-line summary otherwise. The private headers of
# core/ (core/*_int.h: the scheduler's layout and internal helpers) are core's alone: a file
# anywhere else (sim/, native/, tests/) that includes one is reported too.
#
# Layers, lowest first (a folder may include its own headers and those of lower layers only):
#   0 core, core/aarch64        the scheduler library
#   1 sim/util                  clocks, statistics, histograms, id maps, the version
#   2 sim/trace                 the trace model, JSONL reader and writer, generators, UTS
#   3 sim/trace/import          STG, WfCommons, ftrace/perf importers; opening any TRACE spec
#   4 sim/engine                event queue, engine, process execution, metrics, machine loading
#   5 sim/db                    SQLite schema, writer, readers, merge
#   6 sim/run, sim/plot         replay and compare drivers; plots (siblings: neither includes the other)
#   7 native                    the native runtime and validation against the simulator
#   8 sim/bench                 benchmarks
#   9 sim/cli                   main, option parsing, one file per command
set -u
cd "$(dirname "$0")/.."

rank() {
  case "$1" in
    core|core/aarch64) echo 0 ;;
    sim/util) echo 1 ;;
    sim/trace) echo 2 ;;
    sim/trace/import) echo 3 ;;
    sim/engine) echo 4 ;;
    sim/db) echo 5 ;;
    sim/run|sim/plot) echo 6 ;;
    native) echo 7 ;;
    sim/bench) echo 8 ;;
    sim/cli) echo 9 ;;
    *) echo -1 ;;
  esac
}

bad=0
files=0
edges=0
while IFS= read -r f; do
  files=$((files + 1))
  dir=${f%/*}
  r=$(rank "$dir")
  if [ "$r" -lt 0 ]; then
    echo "check-layers: $f: folder $dir has no layer (add it to scripts/check-layers.sh)"
    bad=$((bad + 1))
    continue
  fi
  while IFS=: read -r line inc; do
    edges=$((edges + 1))
    idir=${inc%/*}
    [ "$idir" = "$dir" ] && continue
    ir=$(rank "$idir")
    if [ "$ir" -lt 0 ]; then
      echo "check-layers: $f:$line: includes $inc from $idir, a folder with no layer"
      bad=$((bad + 1))
    elif [ "$ir" -gt "$r" ] || { [ "$ir" -eq "$r" ] && [ "$r" -ne 0 ]; }; then
      echo "check-layers: $f:$line: $dir (layer $r) includes $inc from $idir (layer $ir)"
      bad=$((bad + 1))
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
           sed -E 's/^([0-9]+):[^"]*"([^"]*)".*/\1:\2/')
done < <(find core sim native -name '*.[chS]' | sort)

while IFS=: read -r f line inc; do
  echo "check-layers: $f:$line: includes $inc, a header private to core/ (use its public API)"
  bad=$((bad + 1))
done < <(find sim native tests -name '*.[chS]' -print0 | sort -z |
         xargs -0 grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"core/[^"/]*_int\.h"' |
         sed -E 's/^([^:]*):([0-9]+):[^"]*"([^"]*)".*/\1:\2:\3/')

if [ "$bad" -gt 0 ]; then
  echo "check-layers: $bad include(s) against the layers"
  exit 1
fi
echo "check-layers: $files files, $edges includes, none upward or sideways"
