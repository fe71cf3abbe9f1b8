/* commands.h: entry points and help texts of the schedlab subcommands. */
#ifndef SIM_COMMANDS_H
#define SIM_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

int sim_cmd_bench(int argc, char **argv);
#define SIM_BENCH_USAGE \
    "usage: schedlab bench deque|sim|forkjoin [--json] [--reps N] [--items N] [--no-peers]\n" \
    "\n" \
    "Benchmarks; numbers are medians over repetitions, each beside its baseline measured\n" \
    "in the same run.\n" \
    "\n" \
    "  deque   Chase-Lev deque vs a pthread-mutex deque and a plain array: owner push+take\n" \
    "          pair, self-steal, and 1 owner + 1 thief contended throughput.\n" \
    "  sim     event-queue hold throughput at 10 k and 1 M pending events (beside a binary\n" \
    "          heap) and steady-state replay throughput (set-up apart) on 8, 1,024 and 4,096\n" \
    "          modelled cores.\n" \
    "  forkjoin  fib(30) and UTS T1 on the native runtime, 1 and 2 threads, beside OpenMP\n" \
    "          tasks (libgomp) and oneTBB task_group peers run in the same invocation.\n" \
    "\n" \
    "options:\n" \
    "  --json       print one JSON object on stdout instead of a table\n" \
    "  --reps N     repetitions per measurement (default 7)\n" \
    "  --items N    items per repetition (default 2M; suffixes k, M, G)\n" \
    "  --no-peers   forkjoin only: measure the native runtime alone (where the OpenMP and\n" \
    "               oneTBB peers cannot be built, e.g. ARM64 under qemu); the output says the\n" \
    "               peers were not run. Without it a missing peer is an error.\n" \
    "\n" \
    "The peers (peer_gomp, peer_tbb) are looked for in $SCHEDLAB_PEER_DIR, else in\n" \
    "tests/bench/ beside the schedlab binary (a build tree), else beside the binary itself\n" \
    "(a carried build that ships them in the same folder).\n"

int sim_cmd_topo(int argc, char **argv);
#define SIM_TOPO_USAGE \
    "usage: schedlab topo list [--json]\n" \
    "       schedlab topo show NAME|FILE|synth:SPEC [--json]\n" \
    "       schedlab topo validate FILE\n" \
    "       schedlab topo detect [-o FILE]\n" \
    "\n" \
    "Machine models: cores by kind (P/E), clusters, NUMA nodes, caches, core-to-core latency.\n" \
    "Presets live in traces/topologies (or $SCHEDLAB_TOPOLOGIES); the format is documented in\n" \
    "traces/topologies/README.md. A synth:SPEC (e.g. synth:p=64 or\n" \
    "synth:sockets=2,nodes=8,clusters=64,p=256,e=256) works wherever a name does.\n" \
    "\n" \
    "  list       the presets, with core counts and descriptions\n" \
    "  show       a readable summary (cores by kind, clusters, nodes, caches, latency classes)\n" \
    "  validate   load and check a file; errors name the file, line, column and field\n" \
    "  detect     read this machine with hwloc and print it as JSON (the preset format)\n" \
    "\n" \
    "options:\n" \
    "  --json         print the model as JSON (show) or the list as JSON (list)\n" \
    "  -o, --output FILE  write the detected model to FILE instead of stdout (detect)\n"

int sim_cmd_trace(int argc, char **argv);
#define SIM_TRACE_USAGE \
    "usage: schedlab trace gen KIND[:ARGS] -o FILE\n" \
    "       schedlab trace import FORMAT FILE -o OUT [--unit-ns N] [--multicore split|serial]\n" \
    "       schedlab trace stats TRACE [--json]\n" \
    "\n" \
    "  gen     write a generator's trace as a JSON Lines file (traces/FORMAT.md); the file\n" \
    "          appears complete or not at all (written to a temporary file, then renamed);\n" \
    "          -o - writes it to standard output\n" \
    "  import  convert stg (Standard Task Graph Set), wfcommons (WfFormat JSON), ftrace or\n" \
    "          perf (perf script of perf sched record) or beam (an Erlang VM recording of\n" \
    "          'schedlab beam record'; its ground truth goes to OUT.truth) into a trace file;\n" \
    "          imported files are also usable directly as TRACE (traces/IMPORT.md)\n" \
    "  stats   processes, total work, priority and affinity mix, depth, and the critical\n" \
    "          path and average parallelism on unlimited cores (or the deadlock found)\n" \
    "\n" \
    "TRACE is a .jsonl file or a generator spec KIND:ARGS; kinds:\n" \
    "  fib:N[,work=NS]                       fork-join fib(N), 2F(N+1)-1 processes\n" \
    "  nqueens:N[,work=NS]                   fork-join N-queens search (N <= 17)\n" \
    "  uts:SET | uts:t=T,a=A,d=D,b=B,r=R[,q=Q,m=M]   Unbalanced Tree Search (T1, T2, T3,\n" \
    "                                        T4, T5, T1L, T2L, T3L, ..., default)\n" \
    "  ring:procs=P,rounds=R[,tokens=T]      token ring\n" \
    "  server:clients=C,requests=Q[,servers=S,think=NS]   clients calling servers\n" \
    "  bursty:bursts=B,size=N[,gap=NS,spread=NS,fanout=K]  arrivals in bursts\n" \
    "  skewed:procs=N[,spawners=S,hot=F]     one hot spawner makes most processes\n" \
    "  mixed:procs=N[,prio=1/9/80/10]        mixed priorities, Poisson arrivals\n" \
    "  affinity:procs=N[,cores=C,strict=F,preferred=F,set=K]   strict/preferred affinity\n" \
    "All kinds take work=NS and ws=BYTES; random ones take seed=N. Defaults: traces/FORMAT.md.\n" \
    "\n" \
    "options:\n" \
    "  -o, --output FILE   (gen) the file to write\n" \
    "  --json              (stats) print one JSON object\n"

int sim_cmd_replay(int argc, char **argv);
#define SIM_REPLAY_USAGE \
    "usage: schedlab replay TRACE [--topology T] [--strategy S] [--seed N] [--db FILE]\n" \
    "                       [--param name=value ...] [--zero-overheads] [--no-preempt]\n" \
    "                       [--per-process] [--no-db] [--timeline[=N]] [--json]\n" \
    "\n" \
    "Simulate TRACE (a .jsonl file or a generator spec such as fib:20, uts:T3, nqueens:9,\n" \
    "ring:procs=100,rounds=10; see 'schedlab trace --help') on a modelled machine, with the\n" \
    "scheduler of core/ making every decision, and store the run in SQLite.\n" \
    "\n" \
    "options:\n" \
    "  -t, --topology T   preset name, JSON file or synth:SPEC (default m1)\n" \
    "  -s, --strategy S   victim strategy (default locality; every one is listed below)\n" \
    "      --seed N       seed of every random choice (default 1)\n" \
    "      --db FILE      database (default results/schedlab.db); --no-db stores nothing\n" \
    "  -p, --param k=v    set a parameter (repeatable); migration_policy=conservative|\n" \
    "                     aggressive|adaptive|numa|off loads a policy preset, so give it\n" \
    "                     first. Stealing: min_steal_queue (2), imbalance_threshold (2),\n" \
    "                     steal_cooldown_ns, steal_retries (3), steal_amount one|half;\n" \
    "                     time_slice_ns, max_migrations (100), migration_factor, costs and\n" \
    "                     machine terms, max_events: every one is listed below\n" \
    "      --zero-overheads  every steal, wake-up, spawn, message and migration cost is zero\n" \
    "      --no-preempt   run phases run to completion\n" \
    "      --timeline[=N] record the schedule (slices per core) for 'schedlab export', at\n" \
    "                     most N slices (default 1M); a longer run is cut and says so\n" \
    "      --per-process  store one row per process\n" \
    "      --json         print one JSON object (makespan_ns, processes, events, steals,\n" \
    "                     steal_attempts, migrations, utilization, wall_s, run_id, ...)\n"

int sim_cmd_compare(int argc, char **argv);
#define SIM_COMPARE_USAGE \
    "usage: schedlab compare TRACE... [--topology T]... [--strategy S[,S...]|all]...\n" \
    "                        [--seeds N] [--trace-seeds N] [--param name=v1[,v2...]]...\n" \
    "                        [-j N] [--db FILE] [--description TEXT] [--per-process] [--json]\n" \
    "                        [--plan FILE [--workdir DIR]]\n" \
    "\n" \
    "Replay every trace on every topology with every strategy, parameter set and seed\n" \
    "(seeds 1..N), in N parallel worker processes, into one experiment of the database, and\n" \
    "print a table per trace x topology: makespan mean with its 95% confidence interval over\n" \
    "seeds, normalised to the best strategy and to a lower bound (critical path or work over\n" \
    "capacity), utilisation, steals, migrations by distance, p99 response time, energy.\n" \
    "Ctrl-C stops: finished runs stay in the database, interrupted ones leave no rows.\n" \
    "\n" \
    "options:\n" \
    "  -t, --topology T   machine (repeatable; default m1)\n" \
    "  -s, --strategy S   strategies, comma-separated or repeated, or all (default all;\n" \
    "                     every one is listed below)\n" \
    "  -n, --seeds N      seeds per configuration (default 3)\n" \
    "  -p, --param k=v    a parameter; k=v1,v2,... sweeps it (the cross product of all sweeps)\n" \
    "      --trace-seeds N  vary the workload too: run each generator spec with seed=1..N\n" \
    "                     (uts: r=1..N), each with every scheduler seed; the interval then\n" \
    "                     covers workload and scheduler variation (fib, nqueens, ring and\n" \
    "                     files are deterministic and refused)\n" \
    "  -j, --jobs N       worker processes (default: the number of CPUs)\n" \
    "      --db FILE      database (default results/schedlab.db)\n" \
    "      --json         print the tables as one JSON object\n" \
    "      --per-process  store a row per process (plot draws response-time CDFs from them)\n" \
    "      --plan FILE    do not run: write one 'schedlab replay' command per run to FILE,\n" \
    "                     each writing its own database in FILE.d/, for GNU parallel or a\n" \
    "                     Slurm array (scripts/slurm-array.sh); every path in it is\n" \
    "                     absolute; combine them afterwards with 'schedlab merge'\n" \
    "      --workdir DIR  (with --plan) the runs' databases go to DIR instead of FILE.d/\n"

int sim_cmd_merge(int argc, char **argv);
#define SIM_MERGE_USAGE \
    "usage: schedlab merge OUT.db IN.db...\n" \
    "\n" \
    "Copy every run of the input databases into OUT.db (created if missing) as one new\n" \
    "experiment, with new run ids; each input is copied in one transaction, so a failure\n" \
    "leaves OUT.db without any row of that input. Prints the experiment id.\n"

int sim_cmd_report(int argc, char **argv);
#define SIM_REPORT_USAGE \
    "usage: schedlab report [--db FILE] [--experiment ID|newest|all] [--json|--csv|--markdown]\n" \
    "\n" \
    "Print compare's table again from the runs stored in a database: per trace x topology,\n" \
    "each strategy and parameter set's makespan as mean with its 95% confidence interval,\n" \
    "normalised to the best and to a lower bound, utilisation, steals, migrations, p99\n" \
    "response time, energy and the derived metrics. Works on any database: one compare\n" \
    "wrote, or one merged from the runs of a --plan. Runs of a generator with workload seeds\n" \
    "(compare --trace-seeds) count under one trace; the table says what the interval covers.\n" \
    "\n" \
    "options:\n" \
    "      --db FILE          database (default results/schedlab.db), opened read-only\n" \
    "      --experiment ID    experiment id; 'newest' (default) is the newest experiment with\n" \
    "                         runs, or every run when there is none; 'all' is every run\n" \
    "      --json             one JSON object (the keys of compare --json)\n" \
    "      --csv              one line per row, with a header line\n" \
    "      --markdown         a Markdown table per trace x topology\n"

int sim_cmd_plot(int argc, char **argv);
#define SIM_PLOT_USAGE \
    "usage: schedlab plot [--db FILE] [--experiment ID|all|newest] [-o DIR]\n" \
    "                     [--scripts DIR] [--gnuplot PROGRAM]\n" \
    "\n" \
    "Plot one experiment of the results database: the data of each plot is extracted with\n" \
    "SQL into DIR/NAME.dat (its header names the query), gnuplot renders scripts/plot/*.gp\n" \
    "to DIR/NAME.png and DIR/NAME.svg, and DIR/index.html shows every plot with the runs.\n" \
    "Plots: makespan per strategy with 95% confidence intervals over seeds (normalised to\n" \
    "the best); per-core utilisation over time and the thief x victim steal matrix (one\n" \
    "image per trace x topology); migrations by distance class; response-time CDF; energy\n" \
    "versus makespan on P/E machines. Without gnuplot the data files and index.html are\n" \
    "still written (install it with: apt-get install gnuplot-nox) and the exit status is 0;\n" \
    "it is 1 only when nothing could be produced (no database, experiment or runs).\n" \
    "\n" \
    "options:\n" \
    "      --db FILE          database (default results/schedlab.db), opened read-only\n" \
    "      --experiment ID    experiment id; 'newest' (default) is the newest experiment\n" \
    "                         with runs, or every run when there is none; 'all' plots every\n" \
    "                         run of the database\n" \
    "  -o, --output DIR       output folder (default results/plots/ID, or results/plots/all)\n" \
    "      --scripts DIR      the .gp scripts (default: $SCHEDLAB_PLOT_SCRIPTS, else\n" \
    "                         scripts/plot found upwards from the executable)\n" \
    "      --gnuplot PROGRAM  gnuplot program name or path (default gnuplot on PATH)\n"

int sim_cmd_export(int argc, char **argv);
#define SIM_EXPORT_USAGE \
    "usage: schedlab export RUN --perfetto -o FILE [--db FILE]\n" \
    "\n" \
    "Write the schedule of run RUN (an id, or 'newest'), recorded with replay --timeline or\n" \
    "native --timeline, as Chrome trace-event JSON, which the Perfetto UI (ui.perfetto.dev)\n" \
    "and chrome://tracing open: one track per core with a slice per process run (pid,\n" \
    "priority), migration costs, steal probes and sleeps; wake-ups as instants; steals as\n" \
    "flow arrows from victim to thief; each core's queue length as a counter. Times are\n" \
    "the run's (simulated ns for replay, wall-clock ns for native).\n" \
    "\n" \
    "options:\n" \
    "      --perfetto     Chrome trace-event JSON (the one format so far)\n" \
    "  -o, --output FILE  where to write it (whole or not at all)\n" \
    "      --db FILE      database (default results/schedlab.db), opened read-only\n"

/* --timeline[=N] of `cmd`: *max = N (default SIM_TIMELINE_DEFAULT_MAX); -1 after a usage error. */
int sim_cli_timeline_arg(const char *cmd, const char *arg, size_t *max);

/* After a run recorded with a timeline (max > 0): say on stderr when it was cut. */
void sim_cli_timeline_note(const char *cmd, size_t max, uint64_t slices, uint64_t dropped);

int sim_cmd_native(int argc, char **argv);
#define SIM_NATIVE_USAGE \
    "usage: schedlab native WORKLOAD [--threads N] [--strategy S] [--binding B] [--seed N]\n" \
    "                       [--db FILE | --no-db] [--param name=value ...] [--scale F]\n" \
    "                       [--replay] [--slow] [--affinity strict:LIST|preferred:CORE] [--json]\n" \
    "\n" \
    "Run WORKLOAD on worker threads pinned to this machine's cores, one core/ scheduler core\n" \
    "each (the deque, victim strategies, stealing rules, affinity and migration policy that\n" \
    "replay simulates), and store the run (mode native) in SQLite. fib:N, nqueens:N and\n" \
    "uts:SET are computed for real and every run checks the answer (F(N), the solution count,\n" \
    "the published tree size); any other trace is replayed: RUN phases become calibrated busy\n" \
    "work, WAIT phases timed sleeps, both scaled by --scale.\n" \
    "\n" \
    "options:\n" \
    "  -n, --threads N    workers (default: every core of this machine)\n" \
    "  -s, --strategy S   victim strategy (default locality; every one is listed below)\n" \
    "      --binding B    none (no affinity), static (default: pinned in bind order),\n" \
    "                     dynamic (mask of the run's cores), hybrid (worker 0 pinned to\n" \
    "                     core 0, others masked to their kind's cores), pcores (P first);\n" \
    "                     --param bind_order=u|ns|ts|ps|s|nnts|nnps|tnnps|db (erl +sbt)\n" \
    "      --seed N       seed of the per-worker generators (default 1)\n" \
    "      --db FILE      database (default results/schedlab.db); --no-db stores nothing\n" \
    "  -p, --param k=v    a scheduler parameter, as for replay (spin_ns is the idle spin)\n" \
    "      --scale F      replay: multiply RUN, WAIT and arrival times by F (default 1)\n" \
    "      --replay       replay fib/nqueens/uts as traces instead of computing them\n" \
    "      --slow         no private rings: every spawn and pick goes through ws_sched\n" \
    "      --affinity A   computed workloads: the root's affinity, inherited by every process\n" \
    "      --timeline[=N] store the schedule (at most N slices, default 1M) for export --perfetto\n" \
    "      --json         one JSON object with the keys of replay --json and native extras\n"

int sim_cmd_beam(int argc, char **argv);
/* `validate beam PROGRAM.erl ...` is `beam validate`; any other validate is sim_cmd_validate. */
int sim_cmd_validate_or_beam(int argc, char **argv);
#define SIM_BEAM_USAGE \
    "usage: schedlab beam record PROGRAM.erl -o TRACE [--schedulers N] [--arg A]...\n" \
    "                            [--binding KIND [--bind-order O]] [--entry F]\n" \
    "                            [--timeout-ms MS] [--untraced]\n" \
    "       schedlab beam validate PROGRAM.erl [--schedulers N] [--reps N] [--arg A]...\n" \
    "                            [--binding KIND [--bind-order O]] [--db FILE] [--json]\n" \
    "                            [--param NAME=VALUE]... [--switch-at send|dispatch]\n" \
    "       (also: schedlab validate beam PROGRAM.erl ...)\n" \
    "\n" \
    "  record    run PROGRAM's F(Args) (default main, Args the --arg strings) on an Erlang VM of\n" \
    "            N schedulers (erl +S N:N, default 1) under the VM's own tracing, bound as\n" \
    "            --binding says (none or dynamic: +sbt u, the default; static: +sbt O, O one\n" \
    "            of ns (default) ts ps s nnts nnps tnnps db; hybrid and pcores do not map),\n" \
    "            and write the recording (import it with 'trace import beam'); --untraced\n" \
    "            runs it without tracing and prints the wall time only. A process still alive\n" \
    "            --timeout-ms (default 10000) after the entry function returned is an error.\n" \
    "  validate  per repetition (default 5): run untraced, record, import, replay on the host's\n" \
    "            detected topology cut to N cores (host:N; synth:p=N where the host has fewer)\n" \
    "            with BEAM as shipped and the same binding, the VM's time between slices\n" \
    "            charged as dispatch_ns, a switch before each pick (--switch-at send: as\n" \
    "            spawn_ns = msg_ns, to the events that made the next process ready), its\n" \
    "            wake-ups as wake_ns, its schedulers' awake time per period run dry as spin_ns\n" \
    "            and how soon an idle one came for work as spin_wake_ns, all measured on the\n" \
    "            other repetitions; store both runs (recorded: mode beam, strategy beam-vm) as\n" \
    "            one experiment, and print recorded vs simulated per metric with the error's\n" \
    "            mean and 95% CI (sleep: the VM's from its microstate accounting, whose states\n" \
    "            per scheduler are printed too), the calibration, and the tracing overhead\n" \
    "            (traced vs untraced wall time). --param NAME=VALUE (repeatable, names as for\n" \
    "            replay) is applied to every replay last, over BEAM as shipped and the\n" \
    "            calibrated costs, and stored with the simulated run.\n" \
    "Examples: traces/beam/*.erl. Needs erl (erlang-base, erlang-runtime-tools); exit 77\n" \
    "when it is missing.\n"

int sim_cmd_validate(int argc, char **argv);
#define SIM_VALIDATE_USAGE \
    "usage: schedlab validate WORKLOAD [--strategy S] [--threads N | --sweep threads=1,2,...]\n" \
    "                         [--repeat N] [--sim-repeat N] [--seed N] [--db FILE | --no-db]\n" \
    "                         [--param name=value ...] [--paired] [--json]\n" \
    "\n" \
    "Check the simulator against this machine: detect the host with hwloc, calibrate every cost\n" \
    "the simulator models (steal, futex wake-up, spawn, join message, UTS child hash, the\n" \
    "workload's own cost per process on one worker: each a mean with its 95% CI), run WORKLOAD\n" \
    "natively --repeat times (5) and the simulator over --sim-repeat seeds (the larger of\n" \
    "--repeat and 20) on the detected topology\n" \
    "with those costs, and report per metric (makespan, steals, steal attempts, migrations,\n" \
    "utilisation, processes, busy time per core, busiest core / mean) both means with their\n" \
    "95% CIs and the relative error (sim - native) / native with its interval. Warns when the\n" \
    "host is loaded or the native spread exceeds the error. Every run is stored with the\n" \
    "calibration in its params. --sweep threads=1,2,... calibrates once and prints the errors\n" \
    "against the thread count. --paired: seed i models native run i mod --repeat, its cores\n" \
    "slowed by that run's own per-process cost and each at its CPU's speed (the trials just\n" \
    "before and after it), and each metric also gets the mean of the runs' paired errors with\n" \
    "its interval, which the host's drift between runs does not widen.\n" \
    "\n" \
    "options: as for native (--threads, --strategy, --seed, --db, --no-db, --param, --json)\n"

#endif
