/* nat_topo.c: host detection for native runs, each worker's place under a binding kind and bind
 * order (ws_bind.h), and the model of the cores the workers were given (ws_bind_sub_topo). */
#include "native/nat_topo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>


const char *nat_bind_name(enum nat_bind b)
{
    return (unsigned)b < WS_BIND_KIND_COUNT ? ws_bind_kind_names[b] : "?";
}

int nat_bind_parse(const char *s, enum nat_bind *out)
{
    for (int i = 0; i < WS_BIND_KIND_COUNT; i++) {
        if (strcmp(s, ws_bind_kind_names[i]) == 0) {
            *out = (enum nat_bind)i;
            return 0;
        }
    }
    return -1;
}

static void topo_err(char *err, size_t errlen, const char *what, const struct ws_topo_error *e)
{
    snprintf(err, errlen, "%s: %s%s%s", what, e->field, e->field[0] ? ": " : "", e->message);
}

int nat_topo_host(struct ws_topo **out, int *detected, char *err, size_t errlen)
{
    struct ws_topo_error e;
    *detected = 1;
    if (ws_topo_detect(out, &e) == WS_OK)
        return 0;
    *detected = 0;
    cpu_set_t set;
    int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
    char spec[32];
    snprintf(spec, sizeof spec, "p=%d", n > 0 ? n : 1);
    if (ws_topo_synth(spec, out, &e) != WS_OK) {
        topo_err(err, errlen, "host topology", &e);
        return -1;
    }
    snprintf((*out)->name, sizeof((*out)->name), "host");
    uint32_t c = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && c < (*out)->ncores; cpu++)
        if (CPU_ISSET(cpu, &set))
            (*out)->cores[c++].os_id = cpu;
    return 0;
}

/* The synthetic model of n workers, more than the host's cores. */
static int oversubscribed(uint32_t n, struct ws_topo **out, char *err, size_t errlen)
{
    char spec[32];
    struct ws_topo_error e;
    snprintf(spec, sizeof spec, "p=%u", n);
    if (ws_topo_synth(spec, out, &e) != WS_OK) {
        topo_err(err, errlen, "worker topology", &e);
        return -1;
    }
    snprintf((*out)->name, sizeof((*out)->name), "host-oversubscribed");
    return 0;
}

void nat_place_free(struct nat_place *pl)
{
    free(pl->pin);
    free(pl->cpu);
    free(pl->kind);
    free(pl->scope);
    memset(pl, 0, sizeof(*pl));
}

/* pl for the host's map home/scope (worker i on home[i % ncores]). */
static int fill_place(const struct ws_topo *host, const uint32_t *home, const uint8_t *scope,
                      struct nat_place *pl)
{
    uint32_t n = pl->n;
    pl->pin = calloc(n, sizeof(int32_t));
    pl->cpu = calloc(n, sizeof(int32_t));
    pl->kind = calloc(n, sizeof(uint32_t));
    pl->scope = calloc(n, sizeof(uint8_t));
    if (pl->pin == NULL || pl->cpu == NULL || pl->kind == NULL || pl->scope == NULL)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h = home[i % host->ncores];
        pl->cpu[i] = host->cores[h].os_id;
        pl->kind[i] = host->cores[h].kind;
        pl->scope[i] = scope[i % host->ncores];
        pl->pin[i] = pl->bind != NAT_BIND_NONE && pl->scope[i] == WS_SCOPE_FIXED ? pl->cpu[i]
                                                                                : -1;
    }
    return 0;
}

int nat_topo_place(const struct ws_topo *host, uint32_t n, enum nat_bind b, enum ws_bind_order o,
                   struct ws_topo **out, struct nat_place *pl, char *err, size_t errlen)
{
    memset(pl, 0, sizeof(*pl));
    *out = NULL;
    pl->bind = (enum nat_bind)ws_bind_effective((enum ws_bind_kind)b, o);
    pl->n = n;
    uint32_t *home = calloc(host->ncores, sizeof(uint32_t));
    uint8_t *scope = calloc(host->ncores, sizeof(uint8_t));
    int rc = -1;
    if (home == NULL || scope == NULL ||
        ws_bind_map(host, (enum ws_bind_kind)b, o, home, scope) != WS_OK ||
        fill_place(host, home, scope, pl) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (n > host->ncores) {
        rc = oversubscribed(n, out, err, errlen);
        goto out;
    }
    struct ws_topo_error e;
    ws_status st = ws_bind_sub_topo(host, home, n, out, &e);
    if (st == WS_OK) {
        snprintf((*out)->name, sizeof((*out)->name), "host");
        rc = 0;
    } else if (st == WS_NOMEM) {
        snprintf(err, errlen, "out of memory");
    } else {
        topo_err(err, errlen, "worker topology", &e);
    }
out:
    if (rc != 0)
        nat_place_free(pl);
    free(home);
    free(scope);
    return rc;
}

uint32_t nat_place_mask(const struct nat_place *pl, uint32_t i, int32_t *cpus)
{
    uint32_t k = 0;
    if (pl->scope[i] == WS_SCOPE_FIXED)
        return 0;
    for (uint32_t j = 0; j < pl->n; j++) {
        if (pl->scope[i] == WS_SCOPE_KIND && pl->kind[j] != pl->kind[i])
            continue;
        bool dup = false;
        for (uint32_t m = 0; m < k && !dup; m++)
            dup = cpus[m] == pl->cpu[j];
        if (!dup)
            cpus[k++] = pl->cpu[j];
    }
    return k;
}

int nat_topo_workers(const struct ws_topo *host, uint32_t n, enum nat_bind b,
                     struct ws_topo **out, int32_t *os_cpus, char *err, size_t errlen)
{
    struct nat_place pl;
    if (nat_topo_place(host, n, b, WS_ORDER_TS, out, &pl, err, errlen) != 0)
        return -1;
    memcpy(os_cpus, pl.pin, n * sizeof(int32_t));
    nat_place_free(&pl);
    return 0;
}
