#!/usr/bin/env bash
# uts.sh: `schedlab trace stats uts:SET` gives exactly the published node count, depth and leaf
# count of ../shared/traces/uts/uts_reference_trees.tsv for T1, T2, T3, T4, T5 and the default
# tree (about 1.5 s each); T1L (102 M nodes) only when SCHEDLAB_LONG=1.
. "$(dirname "$0")/lib.sh"
SHARED=${SCHEDLAB_SHARED:-../shared}
TSV=$SHARED/traces/uts/uts_reference_trees.tsv
if [ ! -f "$TSV" ]; then
  echo "*** uts.sh: SKIPPED: $TSV is missing (set SCHEDLAB_SHARED) ***"
  exit 77
fi
sets="default T5 T1 T2 T3 T4"
[ "${SCHEDLAB_LONG:-0}" = 1 ] && sets="$sets T1L"
for set in $sets; do
  read -r size depth leaves < <(awk -F'\t' -v s="$set" '$1 == s { print $4, $5, $6 }' "$TSV")
  if [ -z "${size:-}" ]; then
    fail "$set: no row in $TSV"; continue
  fi
  out=$("$S" trace stats "uts:$set") || { fail "$set: exit $?"; continue; }
  got_size=$(awk '$1 == "processes" { print $2 }' <<<"$out")
  got_depth=$(awk '$1 == "max" && $2 == "depth" { print $3 }' <<<"$out")
  got_leaves=$(awk '$1 == "leaves" { print $2 }' <<<"$out")
  wall=$(awk '$1 == "walk" { print $3 }' <<<"$out")
  if [ "$got_size $got_depth $got_leaves" != "$size $depth $leaves" ]; then
    fail "uts:$set: nodes/depth/leaves $got_size $got_depth $got_leaves," \
         "published $size $depth $leaves"
  else
    echo "uts:$set: $size nodes, depth $depth, $leaves leaves (as published; ${wall} s)"
  fi
done
finish uts.sh
