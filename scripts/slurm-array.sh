#!/usr/bin/env bash
# Run one line of a `schedlab compare --plan FILE` job list per Slurm array task:
#   sbatch --array=1-$(wc -l < plan.txt) scripts/slurm-array.sh plan.txt
# Task i runs line i (SLURM_ARRAY_TASK_ID, 1-based). Every path in a plan line is absolute, so
# the nodes need only the shared filesystem that holds the binary, the traces and FILE.d/
# (each line writes its own database there; afterwards: schedlab merge OUT.db FILE.d/run-*.db).
# Outside Slurm, TASK=i runs line i the same way (a quick check on one machine).
#SBATCH --job-name=schedlab
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --output=slurm-%A_%a.out
set -eu
plan=${1:?usage: slurm-array.sh PLAN (from schedlab compare --plan PLAN)}
task=${SLURM_ARRAY_TASK_ID:-${TASK:-}}
[ -n "$task" ] || { echo "slurm-array.sh: no SLURM_ARRAY_TASK_ID (or TASK) set" >&2; exit 2; }
case "$task" in ''|*[!0-9]*) echo "slurm-array.sh: task '$task' is not a number" >&2; exit 2 ;; esac
[ -r "$plan" ] || { echo "slurm-array.sh: $plan: cannot read" >&2; exit 2; }
lines=$(wc -l < "$plan")
if [ "$task" -lt 1 ] || [ "$task" -gt "$lines" ]; then
  echo "slurm-array.sh: task $task is outside 1..$lines (the lines of $plan)" >&2
  exit 2
fi
line=$(sed -n "${task}p" "$plan")
exec bash -c "$line"
