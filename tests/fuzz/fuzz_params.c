/* fuzz_params.c: fuzz target of command-line parameter parsing: each input line is one
 * `--param` argument, given to replay's parser (sim_params_apply -> ws_params_set) and, all
 * together, to compare's sweep expansion (sim_compare_psets). */
#include "tests/fuzz/fuzz_common.h"

#include "core/ws_params.h"
#include "sim/run/sim_compare.h"
#include "sim/run/sim_run.h"

#define MAX_LINES 64

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_params: broken promise: %s\n", what);
        abort();
    }
}

/* One assignment: a failure leaves the parameters unchanged and says why; a success sets a
 * value that formats and parses back to itself. */
static void one(struct ws_params *p, const char *line)
{
    struct ws_params before = *p;
    char err[512] = "";
    if (sim_params_apply(p, line, err, sizeof err) != 0) {
        check(memcmp(&before, p, sizeof before) == 0, "a failed assignment changes nothing");
        check(err[0] != '\0', "a failed assignment says why");
        return;
    }
    const char *eq = strchr(line, '=');
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(eq - line), line);
    const struct ws_param_desc *d = ws_params_find(name);
    check(d != NULL, "a successful assignment names a parameter");
    size_t i = (size_t)(d - ws_params_desc(0));
    char text[64], again[64];
    ws_params_format(p, i, text, sizeof text);
    struct ws_params q = *p;
    check(ws_params_set(&q, name, text, err, sizeof err) == WS_OK, "formatted value parses");
    ws_params_format(&q, i, again, sizeof again);
    check(strcmp(text, again) == 0, "format and parse round trip");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = fuzz_strdup(data, size);
    if (text == NULL)
        return 0;
    const char *lines[MAX_LINES];
    size_t n = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l != NULL && n < MAX_LINES;
         l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    struct ws_params p;
    ws_params_defaults(&p);
    for (size_t i = 0; i < n; i++)
        one(&p, lines[i]);
    struct sim_pset *sets = NULL;
    size_t nsets = 0;
    char err[512] = "";
    if (sim_compare_psets(lines, n, &sets, &nsets, err, sizeof err) == 0) {
        check(nsets >= 1, "a sweep has at least one parameter set");
        free(sets);
    } else {
        check(err[0] != '\0', "a failed sweep says why");
    }
    free(text);
    return 0;
}
