/* commands.h: entry points and help texts of the schedlab subcommands. */
#ifndef SIM_COMMANDS_H
#define SIM_COMMANDS_H

int sim_cmd_bench(int argc, char **argv);
#define SIM_BENCH_USAGE \
    "usage: schedlab bench deque [--json] [--reps N] [--items N]\n" \
    "\n" \
    "Benchmarks; numbers are medians over repetitions, each beside its baseline measured\n" \
    "in the same run.\n" \
    "\n" \
    "  deque   Chase-Lev deque vs a pthread-mutex deque and a plain array: owner push+take\n" \
    "          pair, self-steal, and 1 owner + 1 thief contended throughput.\n" \
    "\n" \
    "options:\n" \
    "  --json       print one JSON object on stdout instead of a table\n" \
    "  --reps N     repetitions per measurement (default 7)\n" \
    "  --items N    items per repetition (default 2M; suffixes k, M, G)\n"

#endif
