/* commands.c: the registry of schedlab subcommands. Adding a command is one line here. */
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"

#include <stddef.h>

const struct sim_cmd sim_commands[] = {
    { "bench", "run a benchmark (deque) and print its numbers", SIM_BENCH_USAGE, sim_cmd_bench },
    { "topo", "list, show, validate and detect machine topologies", SIM_TOPO_USAGE, sim_cmd_topo },
    { "trace", "generate traces and print their statistics", SIM_TRACE_USAGE, sim_cmd_trace },
    { "replay", "simulate a trace on a modelled machine and store the run", SIM_REPLAY_USAGE,
      sim_cmd_replay },
    { "compare", "run strategies x traces x machines x seeds and compare them", SIM_COMPARE_USAGE,
      sim_cmd_compare },
    { "merge", "combine databases written by a compare --plan into one experiment",
      SIM_MERGE_USAGE, sim_cmd_merge },
    { "report", "print compare's table again from the runs stored in a database",
      SIM_REPORT_USAGE, sim_cmd_report },
    { "plot", "plot an experiment with gnuplot (PNG, SVG, index.html)", SIM_PLOT_USAGE,
      sim_cmd_plot },
    { "export", "write a run's recorded schedule for Perfetto (trace-event JSON)",
      SIM_EXPORT_USAGE, sim_cmd_export },
    { "native", "run a workload on pinned threads with the real scheduler", SIM_NATIVE_USAGE,
      sim_cmd_native },
    { "validate", "check the simulator against a native run of the same workload",
      SIM_VALIDATE_USAGE, sim_cmd_validate_or_beam },
    { "beam", "record Erlang VM runs and measure the model against them", SIM_BEAM_USAGE,
      sim_cmd_beam },
    { NULL, NULL, NULL, NULL },
};
