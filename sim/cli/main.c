/* main.c: the schedlab command line: global options and dispatch to one subcommand. */
#include "sim/cli/cli.h"
#include "sim/run/sim_run.h"

#include <string.h>

static void print_overview(FILE *f)
{
    fprintf(f, "schedlab %s: BEAM-style multi-core scheduling research tool\n\n", sim_version);
    fprintf(f, "usage: schedlab COMMAND [ARGS...]\n"
               "       schedlab COMMAND --help\n"
               "       schedlab --help | --version | --list-strategies\n\ncommands:\n");
    for (const struct sim_cmd *c = sim_commands; c->name != NULL; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return SIM_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_overview(stdout);
        return SIM_EXIT_OK;
    }
    if (strcmp(name, "--list-strategies") == 0) {
        sim_cli_list_strategies(stdout);   /* one name per line, for scripts */
        return SIM_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("schedlab %s\n", sim_version);
        return SIM_EXIT_OK;
    }
    for (const struct sim_cmd *c = sim_commands; c->name != NULL; c++) {
        if (strcmp(c->name, name) != 0)
            continue;
        if (sim_cli_wants_help(argc - 1, argv + 1)) {
            fputs(c->usage, stdout);
            if (strstr(c->usage, "--strategy") != NULL)
                sim_cli_strategies_help(stdout);   /* the registry's strategies */
            if (strstr(c->usage, "--param") != NULL)
                sim_params_help(stdout);   /* every parameter with its default and range */
            return SIM_EXIT_OK;
        }
        return c->run(argc - 1, argv + 1);
    }
    if (name[0] == '-')
        fprintf(stderr, "schedlab: unknown option '%s'\n", name);
    else
        fprintf(stderr, "schedlab: unknown command '%s'\n", name);
    fprintf(stderr, "(see 'schedlab --help' for the list of commands)\n");
    return SIM_EXIT_USAGE;
}
