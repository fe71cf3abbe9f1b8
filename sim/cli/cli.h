/* cli.h: the schedlab command table and the helpers every subcommand uses to parse options
 * and report errors the same way (message on stderr, exit status 2 for usage errors). */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_EXIT_OK    0
#define SIM_EXIT_FAIL  1   /* the command ran and failed (bad input file, I/O error) */
#define SIM_EXIT_USAGE 2   /* bad command line */

struct sim_cmd {
    const char *name;
    const char *summary;                  /* one line for the overview */
    const char *usage;                    /* full --help text */
    int (*run)(int argc, char **argv);    /* argv[0] is the command name */
};

/* Registry, in the order `schedlab --help` lists them; ends with a zeroed entry. */
extern const struct sim_cmd sim_commands[];

#include "sim/util/sim_version.h"   /* sim_version */

/* Print "schedlab CMD: message" and a pointer to --help on stderr; returns SIM_EXIT_USAGE. */
int sim_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print "schedlab CMD: message" on stderr; returns SIM_EXIT_FAIL. */
int sim_cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if argv holds -h or --help anywhere before a "--". */
bool sim_cli_wants_help(int argc, char **argv);

/* Parse a whole decimal unsigned number (with optional k/M/G suffix); false on junk. */
bool sim_cli_parse_u64(const char *s, uint64_t *out);

/* Per-command option parser on top of getopt_long with errors in schedlab's words.
 * shortopts must start with ':' (so a missing value is told apart from an unknown option).
 * Returns the option's val, -1 at the end, or '?' after printing the error. */
struct option;
int sim_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
                   const struct option *longopts);

/* Names a user types, checked before anything runs (cli_names.c): 0 when known (or for a
 * file, whose faults its loader reports); otherwise the usage error with the closest known
 * name ("did you mean"), returning SIM_EXIT_USAGE. */
int sim_cli_check_param(const char *cmd, const char *assignment);   /* NAME=VALUE */
int sim_cli_check_topology(const char *cmd, const char *name);
int sim_cli_check_trace(const char *cmd, const char *trace);        /* KIND:ARGS generators */

/* Strategies, all read from the registry of core/ws_victim.c (cli_strategy.c). */
/* The "strategies" section of a --help text: name, summary and the parameters each reads. */
void sim_cli_strategies_help(FILE *f);
/* Every strategy's name, one per line (schedlab --list-strategies). */
void sim_cli_list_strategies(FILE *f);
/* 0 if name is a strategy; otherwise the usage error naming every strategy (SIM_EXIT_USAGE). */
int sim_cli_check_strategy(const char *cmd, const char *name);
/* Warn on stderr when the parameter of `name=value` belongs to a strategy that is none of the
 * n strategies that will run (it would have no effect). Parameters of all strategies: silent. */
void sim_cli_strategy_param_note(const char *cmd, const char *const *strategies, size_t n,
                                 const char *assignment);
/* The same for every parameter of p that differs from its default, strategy being the one that
 * runs. */
struct ws_params;
void sim_cli_strategy_params_check(const char *cmd, const char *strategy,
                                   const struct ws_params *p);

/* A native run's parameters: warn on stderr, naming each, about those set away from their
 * defaults that only the simulator reads (ws_param_desc.sim_only: costs and behaviours a native
 * run gets from the host itself); they have no effect there. */
void sim_cli_native_params_check(const char *cmd, const struct ws_params *p);

#endif
