/* cli_strategy.c: the command line's view of the victim-strategy registry (core/ws_victim.c):
 * the strategy list of every --help, the unknown-strategy error, --list-strategies, and the
 * warning for a strategy's own parameter set while another strategy runs, and native's for a
 * parameter only the simulator reads. Nothing here names a strategy: a new registry line
 * appears in all of them. */
#include "core/ws_params.h"
#include "core/ws_victim.h"
#include "sim/cli/cli.h"
#include "sim/util/sim_suggest.h"

#include <string.h>

void sim_cli_strategies_help(FILE *f)
{
    fprintf(f, "\nstrategies (--strategy NAME):\n");
    for (size_t i = 0; i < ws_victim_count(); i++) {
        const struct ws_victim_ops *v = ws_victim_get(i);
        fprintf(f, "  %-9s %s\n", v->name, v->summary);
        if (v->params != NULL && v->params[0] != NULL) {
            fprintf(f, "            reads --param");
            for (const char *const *p = v->params; *p != NULL; p++)
                fprintf(f, "%s %s", p == v->params ? "" : ",", *p);
            fprintf(f, " (no other strategy does)\n");
        }
    }
}

void sim_cli_list_strategies(FILE *f)
{
    for (size_t i = 0; i < ws_victim_count(); i++)
        fprintf(f, "%s\n", ws_victim_get(i)->name);
}

/* "random, ring, ..." into buf (truncated to len). */
static void names_text(char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < ws_victim_count() && at < len; i++) {
        int n = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", ws_victim_get(i)->name);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}

int sim_cli_check_strategy(const char *cmd, const char *name)
{
    if (ws_victim_find(name) != NULL)
        return 0;
    char names[512], hint[128];
    const char *list[64];
    size_t n = 0;
    for (; n < ws_victim_count() && n < 64; n++)
        list[n] = ws_victim_get(n)->name;
    names_text(names, sizeof names);
    sim_suggest_text(name, list, n, hint, sizeof hint);
    return sim_cli_usage_error(cmd, "unknown strategy '%s'%s (one of: %s)", name, hint, names);
}

/* Warn if parameter `name` belongs to a strategy and none of the n strategies reads it. */
static void note(const char *cmd, const char *const *strategies, size_t n, const char *name)
{
    const struct ws_victim_ops *owner = ws_victim_param_owner(name);
    if (owner == NULL)
        return;                         /* a parameter of every strategy */
    for (size_t i = 0; i < n; i++) {
        const struct ws_victim_ops *v = ws_victim_find(strategies[i]);
        if (v != NULL && ws_victim_reads(v, name))
            return;
    }
    fprintf(stderr, "schedlab %s: warning: parameter %s is read only by strategy %s, which "
                    "does not run here: it has no effect\n", cmd, name, owner->name);
}

void sim_cli_strategy_param_note(const char *cmd, const char *const *strategies, size_t n,
                                 const char *assignment)
{
    char name[64];
    size_t len = strcspn(assignment, "=");
    if (len == 0 || len >= sizeof name)
        return;
    memcpy(name, assignment, len);
    name[len] = '\0';
    note(cmd, strategies, n, name);
}

void sim_cli_strategy_params_check(const char *cmd, const char *strategy,
                                   const struct ws_params *p)
{
    for (size_t i = 0; i < ws_params_count(); i++)
        if (ws_params_changed(p, i))
            note(cmd, &strategy, 1, ws_params_desc(i)->name);
}

void sim_cli_native_params_check(const char *cmd, const struct ws_params *p)
{
    for (size_t i = 0; i < ws_params_count(); i++)
        if (ws_params_desc(i)->sim_only && ws_params_changed(p, i))
            fprintf(stderr, "schedlab %s: warning: parameter %s is the simulator's (a native run "
                            "pays the host's own): it has no effect here\n", cmd,
                    ws_params_desc(i)->name);
}
