/* cmd_bench.c: `schedlab bench NAME`: runs one benchmark and prints its numbers. */
#include "sim/bench/bench.h"
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct bench_entry {
    const char *name;
    int (*run)(const struct sim_bench_opts *o, struct sim_bench_result *r);
    uint64_t default_items;
};

static const struct bench_entry benches[] = {
    { "deque", sim_bench_deque, 2000000 },
    { "sim", sim_bench_sim, 4000000 },
    { "forkjoin", sim_bench_forkjoin, 30 },
};

void sim_bench_add(struct sim_bench_result *r, const char *key, double value)
{
    if (r->n < SIM_BENCH_MAX_KEYS) {
        r->key[r->n] = key;
        r->value[r->n++] = value;
    }
}

double sim_bench_get(const struct sim_bench_result *r, const char *key)
{
    for (unsigned i = 0; i < r->n; i++)
        if (strcmp(r->key[i], key) == 0)
            return r->value[i];
    return NAN;
}

void sim_bench_add_text(struct sim_bench_result *r, const char *key, const char *value)
{
    if (r->ntext < SIM_BENCH_MAX_TEXT) {
        r->text_key[r->ntext] = key;
        snprintf(r->text_value[r->ntext++], SIM_BENCH_TEXT_LEN, "%s", value);
    }
}

void sim_bench_progress(const struct sim_bench_opts *o, const char *what, unsigned done,
                        unsigned total)
{
    if (!o->progress)
        return;
    fprintf(stderr, "\r%s: repetition %u/%u", what, done, total);
    if (done == total)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

#if defined(__aarch64__)
#define TARGET_NAME "ARM64"
#elif defined(__x86_64__)
#define TARGET_NAME "x86-64"
#else
#define TARGET_NAME "target"
#endif

/* Under an emulator, "emulated": true and "emulator": the evidence; "emulated": false else. */
static void print_json(const char *name, const struct sim_bench_result *r, const char *emulator)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bench", name);
    cJSON_AddBoolToObject(o, "emulated", emulator != NULL);
    if (emulator != NULL)
        cJSON_AddStringToObject(o, "emulator", emulator);
    for (unsigned i = 0; i < r->ntext; i++)
        cJSON_AddStringToObject(o, r->text_key[i], r->text_value[i]);
    for (unsigned i = 0; i < r->n; i++)
        cJSON_AddNumberToObject(o, r->key[i], r->value[i]);
    char *s = cJSON_PrintUnformatted(o);
    puts(s);
    free(s);
    cJSON_Delete(o);
}

static void print_table(const char *name, const struct sim_bench_opts *o,
                        const struct sim_bench_result *r, const char *emulator)
{
    printf("bench %s (median of %u repetitions, %llu items each)\n", name, o->reps,
           (unsigned long long)o->items);
    if (emulator != NULL)
        printf("  EMULATED (%s):\n  times are the emulator's, not %s hardware figures\n", emulator,
               TARGET_NAME);
    for (unsigned i = 0; i < r->ntext; i++)
        printf("  %-30s %14s\n", r->text_key[i], r->text_value[i]);
    for (unsigned i = 0; i < r->n; i++)
        printf("  %-30s %14.3f\n", r->key[i], r->value[i]);
}

int sim_cmd_bench(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "reps", required_argument, NULL, 'r' },
        { "items", required_argument, NULL, 'n' },
        { "no-peers", no_argument, NULL, 'P' },
        { NULL, 0, NULL, 0 },
    };
    bool json = false, no_peers = false;
    uint64_t reps = 7, items = 0;
    int c;
    while ((c = sim_cli_getopt("bench", argc, argv, ":", longopts)) != -1) {
        if (c == '?')
            return SIM_EXIT_USAGE;
        if (c == 'j')
            json = true;
        else if (c == 'P')
            no_peers = true;
        else if (c == 'r' && (!sim_cli_parse_u64(optarg, &reps) || reps == 0 ||
                              reps > SIM_BENCH_MAX_REPS))
            return sim_cli_usage_error("bench", "--reps wants 1..%d, not '%s'",
                                       SIM_BENCH_MAX_REPS, optarg);
        else if (c == 'n' && (!sim_cli_parse_u64(optarg, &items) || items < 16))
            return sim_cli_usage_error("bench", "--items wants a number >= 16, not '%s'", optarg);
    }
    if (optind >= argc)
        return sim_cli_usage_error("bench", "which benchmark? (deque, sim, forkjoin)");
    if (optind + 1 < argc)
        return sim_cli_usage_error("bench", "unexpected argument '%s'", argv[optind + 1]);
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
        if (strcmp(benches[i].name, name) != 0)
            continue;
        struct sim_bench_opts o = {
            .reps = (unsigned)reps,
            .items = items ? items : benches[i].default_items,
            .progress = isatty(STDERR_FILENO),
            .no_peers = no_peers,
        };
        struct sim_bench_result r = { 0 };
        if (benches[i].run(&o, &r) != 0)
            return sim_cli_fail("bench", "%s could not run (see above, or out of memory)", name);
        char why[PATH_MAX + 64];
        const char *emulator = sim_bench_emulated(why, sizeof why) ? why : NULL;
        if (json)
            print_json(name, &r, emulator);
        else
            print_table(name, &o, &r, emulator);
        return SIM_EXIT_OK;
    }
    return sim_cli_usage_error("bench", "unknown benchmark '%s' (known: deque, sim, forkjoin)", name);
}
