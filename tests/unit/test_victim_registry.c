/* test_victim_registry.c: the victim-strategy registry is well formed: every entry has a unique
 * name, a summary and a select function, and every parameter a strategy declares is a real
 * parameter that only that strategy declares. */
#include "core/ws_params.h"
#include "core/ws_victim.h"

#include <criterion/criterion.h>
#include <string.h>

Test(victim_registry, entries_are_complete_and_names_unique)
{
    cr_assert_gt(ws_victim_count(), 0);
    for (size_t i = 0; i < ws_victim_count(); i++) {
        const struct ws_victim_ops *v = ws_victim_get(i);
        cr_assert_not_null(v);
        cr_assert(v->name != NULL && v->name[0] != '\0', "entry %zu has no name", i);
        cr_assert(strspn(v->name, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(v->name),
                  "'%s': a strategy name is one lower-case word (comma lists, help columns)",
                  v->name);
        cr_assert(v->summary != NULL && v->summary[0] != '\0', "%s has no summary", v->name);
        cr_assert_not_null(v->select, "%s has no select function", v->name);
        cr_assert_neq(strcmp(v->name, "all"), 0, "'all' is compare's word for every strategy");
        for (size_t j = 0; j < i; j++)
            cr_assert_neq(strcmp(v->name, ws_victim_get(j)->name), 0, "%s twice", v->name);
    }
}

Test(victim_registry, declared_parameters_exist_and_have_one_owner)
{
    for (size_t i = 0; i < ws_victim_count(); i++) {
        const struct ws_victim_ops *v = ws_victim_get(i);
        for (const char *const *p = v->params; p != NULL && *p != NULL; p++) {
            cr_assert_not_null(ws_params_find(*p), "%s declares unknown parameter %s", v->name,
                               *p);
            cr_assert(ws_victim_reads(v, *p));
            cr_assert_eq(ws_victim_param_owner(*p), v, "%s is declared by two strategies", *p);
        }
    }
}

Test(victim_registry, p2c_alone_reads_p2c_choices)
{
    const struct ws_victim_ops *p2c = ws_victim_find("p2c");
    cr_assert_not_null(p2c);
    cr_assert(ws_victim_reads(p2c, "p2c_choices"));
    cr_assert_eq(ws_victim_param_owner("p2c_choices"), p2c);
    cr_assert_not(ws_victim_reads(ws_victim_find("random"), "p2c_choices"));
    cr_assert_null(ws_victim_param_owner("steal_retries"), "a parameter of every strategy");
    cr_assert_null(ws_victim_param_owner("no_such_parameter"));
}
