/* cli.c: option parsing and error reporting shared by all schedlab subcommands. */
#include "sim/cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int sim_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "schedlab %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'schedlab %s --help')\n", cmd);
    return SIM_EXIT_USAGE;
}

int sim_cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "schedlab %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return SIM_EXIT_FAIL;
}

bool sim_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    }
    return false;
}

bool sim_cli_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return false;
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1000, end++;
    else if (*end == 'M')
        mul = 1000000, end++;
    else if (*end == 'G')
        mul = 1000000000, end++;
    if (*end != '\0' || (mul > 1 && v > UINT64_MAX / mul))
        return false;
    *out = (uint64_t)v * mul;
    return true;
}

int sim_cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
                   const struct option *longopts)
{
    opterr = 0;
    optopt = 0;
    int c = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (c != '?' && c != ':')
        return c;
    const char *arg = argv[optind - 1 < argc ? optind - 1 : argc - 1];
    if (c == ':') {
        if (optopt != 0)
            sim_cli_usage_error(cmd, "option '-%c' needs a value", optopt);
        else
            sim_cli_usage_error(cmd, "option '%s' needs a value", arg);
    } else if (optopt != 0) {
        sim_cli_usage_error(cmd, "unknown option '-%c'", optopt);
    } else {
        sim_cli_usage_error(cmd, "unknown option '%s'", arg);
    }
    return '?';
}
