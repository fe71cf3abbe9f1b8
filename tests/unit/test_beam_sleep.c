/* test_beam_sleep.c: the VM's sleep from a recording's microstate accounting: carried from the
 * recording to its ground truth, taken as a share of the makespan (the window's time past the
 * last exit counted as asleep and left out, at most the scheduler's idle time), stored in the
 * recorded run's core rows and compared with the model's; a recording without it has no sleep
 * to compare (NAN) and stores none. */
#include "sim/run/sim_beam.h"

#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/schedlab-test-beamsleep-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(beam_sleep, .init = make_dir, .fini = remove_dir);

/* The root runs 0..2000 us on scheduler 1 and spawns its child, which runs 3000..10000 on
 * scheduler 2: makespan 10000, busy 2000 and 7000, idle 8000 and 3000. Each scheduler's
 * accounting covers a 20000 ns window: 10000 past the makespan, taken as asleep. */
static const char head[] = "schedlab-beam 1\nschedulers 2\notp 25\nbind unbound\nwall_ns 20000\n"
                           "util 1 5000 20000\nutil 2 7000 20000\n";
static const char msacc[] = "msacc 1 5000 0 0 0 0 3000 12000\n"   /* asleep 12000 - 10000 */
                            "msacc 2 4000 0 0 0 0 1000 15000\n";  /* 5000, idle only 3000 */
static const char events[] = "in 0 1 1\nspawn 1000 1 1 2\nexit 2000 1 1\nin 3000 2 2\n"
                             "exit 10000 2 2\nend 5\n";

static void write_rec(const char *path, bool with_msacc)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(head, f);
    if (with_msacc)
        fputs(msacc, f);
    fputs(events, f);
    fclose(f);
}

/* The recorded run's sleep_ns per scheduler (by core), "A B". */
static void stored_sleep(const char *db, int64_t run, char *out, size_t len)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(h, "SELECT group_concat(sleep_ns, ' ') FROM (SELECT sleep_ns "
                                       "FROM core_stats WHERE run_id = ? ORDER BY core)", -1,
                                    &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, run);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static void compare(bool with_msacc, struct sim_beam_truth *t, struct sim_beam_cmp *c,
                    char *db)
{
    char rec[128], truth[140], err[512];
    snprintf(rec, sizeof rec, "%s/r%d.beam", dir, with_msacc);
    snprintf(truth, sizeof truth, "%s.truth", rec);
    snprintf(db, 128, "%s/v%d.db", dir, with_msacc);
    write_rec(rec, with_msacc);
    cr_assert_eq(sim_beam_truth_write(rec, truth, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sim_beam_truth_read(truth, t, err, sizeof err), 0, "%s", err);
    struct sim_beam_setup su = { 0 };
    cr_assert_eq(sim_beam_compare(rec, t, &su, db, "test", 1, c, err, sizeof err), 0, "%s", err);
}

Test(beam_sleep, msacc_sleep_is_a_share_of_the_makespan_within_the_idle_time)
{
    struct sim_beam_truth *t = calloc(1, sizeof *t);
    struct sim_beam_cmp c;
    char db[128], got[64];
    compare(true, t, &c, db);
    cr_assert(t->has_msacc);
    cr_assert_eq(t->makespan_ns, 10000);
    cr_assert_eq(t->msacc_ns[1][SIM_MSACC_SLEEP], 15000, "the truth carries the recording's");
    cr_assert_eq(t->msacc_ns[0][SIM_MSACC_OTHER], 3000);
    stored_sleep(db, c.vm_run_id, got, sizeof got);
    cr_assert_str_eq(got, "2000 3000", "stored sleep per scheduler");
    cr_assert_float_eq(c.vm[SIM_BM_SLEEP_MEAN], 0.25, 1e-12);
    cr_assert_float_eq(c.vm[SIM_BM_SLEEP_MAX], 0.3, 1e-12);
    cr_assert(c.sim[SIM_BM_SLEEP_MEAN] >= 0 && c.sim[SIM_BM_SLEEP_MEAN] <= 1);
    cr_assert_float_eq(c.err[SIM_BM_SLEEP_MEAN], c.sim[SIM_BM_SLEEP_MEAN] - 0.25, 1e-12,
                       "an error in points");
    free(t);
}

Test(beam_sleep, a_recording_without_msacc_has_no_sleep_to_compare)
{
    struct sim_beam_truth *t = calloc(1, sizeof *t);
    struct sim_beam_cmp c;
    char db[128], got[64];
    compare(false, t, &c, db);
    cr_assert(!t->has_msacc);
    cr_assert(isnan(c.vm[SIM_BM_SLEEP_MEAN]) && isnan(c.vm[SIM_BM_SLEEP_MAX]));
    cr_assert(isnan(c.err[SIM_BM_SLEEP_MEAN]));
    cr_assert(!isnan(c.err[SIM_BM_MAKESPAN]), "the other metrics are compared as before");
    stored_sleep(db, c.vm_run_id, got, sizeof got);
    cr_assert_str_eq(got, "0 0");
    free(t);
}
