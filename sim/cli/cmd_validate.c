/* cmd_validate.c: `schedlab validate WORKLOAD`: calibrate on this host, run natively and in the
 * simulator over the model of the same cores `--repeat` times, and print per metric the native
 * and simulated means with their 95% intervals and the relative error with its interval;
 * `--sweep threads=1,2,...` prints the errors against the thread count. */
#include "native/nat_validate.h"
#include "sim/cli/cli.h"
#include "sim/cli/commands.h"
#include "sim/run/sim_run.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SWEEP 64

/* The steal-time series (sim_steal_times) as printed. */
static const char *const steal_times_label[SIM_STEAL_TIMES] = {
    "steals", "steals, end", "lost races", "lost, end" };

/* The costs calibrate measures until settled (nat_cost_settle), by name, for the warning and
 * the JSON's unsettled_costs. */
static const struct {
    size_t off;
    const char *name;
} probed[] = {
    { offsetof(struct nat_calibration, steal), "steal" },
    { offsetof(struct nat_calibration, steal_hit), "steal_hit" },   /* the asymmetric steal's */
    { offsetof(struct nat_calibration, steal_victim), "steal_victim" },
    { offsetof(struct nat_calibration, wake), "wake" },
    { offsetof(struct nat_calibration, spin_wake), "spin_wake" },
    { offsetof(struct nat_calibration, msg_remote), "msg_remote" },
    { offsetof(struct nat_calibration, msg), "msg" },
    { offsetof(struct nat_calibration, child), "child" },
};
#define NPROBED (sizeof probed / sizeof probed[0])

static const struct nat_cost *probed_cost(const struct nat_calibration *c, size_t i)
{
    return (const struct nat_cost *)((const char *)c + probed[i].off);
}

static volatile int interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void add_ci(cJSON *o, const char *name, const struct sim_ci *c)
{
    cJSON *x = cJSON_AddObjectToObject(o, name);
    cJSON_AddNumberToObject(x, "mean", c->mean);
    cJSON_AddNumberToObject(x, "ci95", c->half);
    cJSON_AddNumberToObject(x, "n", (double)c->n);
}

static void add_num_or_null(cJSON *o, const char *name, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(o, name);
    else
        cJSON_AddNumberToObject(o, name, v);
}

/* One validation as a JSON object (the caller owns it). */
static cJSON *result_json(const struct nat_validate_opts *o, const struct nat_validate_result *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "workload", o->workload);
    cJSON_AddStringToObject(j, "strategy", o->strategy);
    cJSON_AddStringToObject(j, "topology", r->topology);
    cJSON_AddNumberToObject(j, "threads", r->threads);
    cJSON_AddNumberToObject(j, "repeat", r->repeat);
    cJSON_AddNumberToObject(j, "sim_repeat", r->sim_repeat);
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    cJSON_AddStringToObject(j, "sim_trace", r->sim_trace);
    char *cal = nat_calib_json(&r->cal);
    cJSON_AddItemToObject(j, "calibration", cal ? cJSON_Parse(cal) : cJSON_CreateNull());
    free(cal);
    cJSON_AddNumberToObject(j, "quantisation", r->quantisation);
    cJSON *m = cJSON_AddObjectToObject(j, "metrics");
    for (int i = 0; i < NAT_VALIDATE_METRICS; i++) {
        const struct nat_metric_cmp *c = &r->m[i];
        cJSON *x = cJSON_AddObjectToObject(m, c->name);
        cJSON_AddNumberToObject(x, "native", c->native);
        cJSON_AddNumberToObject(x, "sim", c->sim);
        add_num_or_null(x, "rel_error", c->rel_error);
        add_num_or_null(x, "rel_error_ci95", c->rel_half);
        add_ci(x, "native_ci", &c->native_ci);
        add_ci(x, "sim_ci", &c->sim_ci);
        const struct sim_dist_cmp *d = &c->dist;   /* the distributions: min, median, max */
        cJSON *nr = cJSON_AddArrayToObject(x, "native_range");
        cJSON *sr = cJSON_AddArrayToObject(x, "sim_range");
        const double nv[3] = { d->x_min, d->x_median, d->x_max };
        const double sv[3] = { d->y_min, d->y_median, d->y_max };
        for (int k = 0; nr != NULL && sr != NULL && k < 3; k++) {
            cJSON_AddItemToArray(nr, cJSON_CreateNumber(nv[k]));
            cJSON_AddItemToArray(sr, cJSON_CreateNumber(sv[k]));
        }
        add_num_or_null(x, "ks_d", d->d);
        add_num_or_null(x, "ks_p", d->p);
        /* --paired: the runs' own errors (null without) */
        add_num_or_null(x, "rel_error_paired", c->paired.n > 0 ? c->paired.mean : (double)NAN);
        add_num_or_null(x, "rel_error_paired_ci95", c->paired.n > 0 ? c->paired.half
                                                                      : (double)NAN);
        /* robust to a run the host stretched: the medians' relative error */
        add_num_or_null(x, "rel_error_median", d->x_median != 0
                        ? (d->y_median - d->x_median) / d->x_median
                        : d->y_median == 0 ? 0.0 : (double)NAN);
    }
    cJSON_AddBoolToObject(j, "paired", r->paired);
    cJSON *pr = cJSON_AddArrayToObject(j, "paired_runs");   /* per native run; [] unpaired */
    for (uint32_t k = 0; pr != NULL && r->paired && k < r->repeat; k++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "cost_factor", r->paired_factor[k]);
        cJSON *sp = cJSON_AddArrayToObject(x, "cpu_speed");
        for (uint32_t c = 0; sp != NULL && c < r->threads && c < NAT_SPEED_MAX; c++)
            cJSON_AddItemToArray(sp, cJSON_CreateNumber(r->paired_speed[k][c]));
        cJSON_AddNumberToObject(x, "native_makespan_ns", r->paired_native[k]);
        cJSON_AddNumberToObject(x, "sim_makespan_ns", r->paired_sim[k]);
        cJSON_AddItemToArray(pr, x);
    }
    cJSON *ss = cJSON_AddArrayToObject(j, "seed_cpu_speed");   /* each seed's cores' speeds */
    for (uint32_t i = 0; ss != NULL && i < r->sim_repeat; i++) {
        cJSON *x = cJSON_CreateArray();
        for (uint32_t c = 0; x != NULL && c < r->threads && c < NAT_SPEED_MAX; c++)
            cJSON_AddItemToArray(x, cJSON_CreateNumber(r->seed_speed[i][c]));
        cJSON_AddItemToArray(ss, x);
    }
    cJSON *b = cJSON_AddArrayToObject(j, "busy_by_rank");
    for (uint32_t k = 0; b != NULL && k < r->nbusy; k++) {
        const struct nat_metric_cmp *c = &r->busy[k];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "rank", k);
        cJSON_AddNumberToObject(x, "native", c->native);
        cJSON_AddNumberToObject(x, "sim", c->sim);
        add_num_or_null(x, "rel_error", c->rel_error);
        add_num_or_null(x, "rel_error_ci95", c->rel_half);
        cJSON_AddItemToArray(b, x);
    }
    cJSON_AddNumberToObject(j, "busy_max_error", r->busy_max_error);
    cJSON *cap = cJSON_AddArrayToObject(j, "model_capacity");   /* the simulated cores' */
    for (uint32_t k = 0; cap != NULL && k < r->nbusy; k++)
        cJSON_AddItemToArray(cap, cJSON_CreateNumber(r->capacity[k]));
    cJSON *sh = cJSON_AddArrayToObject(j, "run_share_by_core");   /* by worker, not by rank */
    for (uint32_t k = 0; sh != NULL && k < r->threads && k < NAT_VALIDATE_MAX_RANKS; k++) {
        cJSON *x = cJSON_CreateObject();
        if (x == NULL)
            break;
        cJSON_AddNumberToObject(x, "core", k);
        cJSON_AddNumberToObject(x, "native", r->run_share_native[k].mean);
        cJSON_AddNumberToObject(x, "native_ci95", r->run_share_native[k].half);
        cJSON_AddNumberToObject(x, "sim", r->run_share_sim[k].mean);
        cJSON_AddNumberToObject(x, "sim_ci95", r->run_share_sim[k].half);
        cJSON_AddItemToArray(sh, x);
    }
    cJSON *f = cJSON_AddObjectToObject(j, "first_steal_ns");   /* native: one extra run */
    cJSON_AddNumberToObject(f, "native", r->first_steal_native);
    cJSON_AddNumberToObject(f, "sim", r->first_steal_sim.mean);
    cJSON_AddNumberToObject(f, "sim_ci95", r->first_steal_sim.half);
    for (int series = 0; series < SIM_STEAL_TIMES; series++) {   /* of the makespan */
        static const char *const tk[4] = { "native", "native_ci95", "sim", "sim_ci95" };
        cJSON *t = cJSON_AddObjectToObject(j, sim_steal_times_key[series]);
        for (int a = 0; t != NULL && a < 4; a++) {
            cJSON *arr = cJSON_AddArrayToObject(t, tk[a]);
            for (int k = 0; arr != NULL && k < SIM_TENTHS; k++) {
                const struct sim_ci *c = a < 2 ? &r->tenth_native[series][k]
                                               : &r->tenth_sim[series][k];
                cJSON_AddItemToArray(arr, cJSON_CreateNumber(a % 2 == 0 ? c->mean : c->half));
            }
        }
    }
    cJSON *w = cJSON_AddObjectToObject(j, "won_round_ns");   /* a steal round that stole */
    cJSON_AddNumberToObject(w, "native", r->won_round_native.ns);
    cJSON_AddNumberToObject(w, "native_ci95", r->won_round_native.half);
    cJSON_AddNumberToObject(w, "native_runs", (double)r->won_round_native.n);
    cJSON_AddNumberToObject(w, "model", r->won_round_model);
    cJSON_AddNumberToObject(w, "native_long", (double)r->won_long);
    cJSON_AddNumberToObject(w, "native_p10", r->won_round_p[0]);
    cJSON_AddNumberToObject(w, "native_p50", r->won_round_p[1]);
    cJSON_AddNumberToObject(w, "native_p90", r->won_round_p[2]);
    cJSON *z = cJSON_AddObjectToObject(j, "sim_noise_ns");   /* all cores, per run */
    add_ci(z, "busy", &r->sim_noise_busy);
    add_ci(z, "steal", &r->sim_noise_steal);
    cJSON *l = cJSON_AddArrayToObject(j, "host_load");
    for (int i = 0; l != NULL && i < 3; i++)
        cJSON_AddItemToArray(l, cJSON_CreateNumber(r->load[i]));
    cJSON_AddBoolToObject(j, "noisy", r->noisy);
    cJSON *u = cJSON_AddArrayToObject(j, "unsettled_costs");
    for (size_t i = 0; u != NULL && i < NPROBED; i++)
        if (probed_cost(&r->cal, i)->unsettled)
            cJSON_AddItemToArray(u, cJSON_CreateString(probed[i].name));
    cJSON_AddBoolToObject(j, "cpu_off", r->cpu_off);
    cJSON_AddNumberToObject(j, "cpu_off_steals_ns", r->cpu_off_steals_ns);
    add_ci(j, "native_cpu_share", &r->cpu_share);
    if (r->native.tally_name != NULL)
        cJSON_AddNumberToObject(j, r->native.tally_name, (double)r->native.tally);
    cJSON_AddNumberToObject(j, "experiment_id", (double)r->experiment_id);
    cJSON_AddNumberToObject(j, "native_run_id", (double)r->native.run_id);
    cJSON_AddNumberToObject(j, "sim_run_id", (double)r->sim_run_id);
    cJSON_AddNumberToObject(j, "native_wall_s", r->native_wall_s);
    cJSON_AddNumberToObject(j, "sim_wall_s", r->sim_wall_s);
    return j;
}

/* A cost as "name ns ± half (n kept, p preempted: dropped|kept)". */
static void print_cost(const char *name, const struct nat_cost *c)
{
    if (c->n == 0)
        return;
    printf(" %s %.2f ± %.2f ns (n %u", name, c->ns, c->half, c->n);
    if (c->preempted > 0)
        printf(", %u preempted %s", c->preempted, c->dropped ? "dropped" : "kept");
    if (c->tries > 1)
        printf(", measured %u times", c->tries);
    printf("),");
}

static void print_calibration(const struct nat_calibration *c)
{
    printf("  calibration   trimmed means of the trials not preempted, warm-up discarded:\n"
           "               ");
    print_cost("steal", &c->steal);
    print_cost("its membarrier (extra)", &c->steal_hit);
    print_cost("... to the victim", &c->steal_victim);
    print_cost("... to its caller every 50 us", &c->steal_barrier);
    if (c->steal_round.n)
        print_cost("steal round won in runs", &c->steal_round);
    if (c->busy_factor.n) {
        double thief;
        printf(" in runs on N workers, busy time a dispatch x %.3f ± %.3f of one worker's (the "
               "model's x %.3f),", c->busy_factor.ns, c->busy_factor.half,
               nat_calib_busy_factor(c));
        if (c->busy_cpu.n)
            printf(" in CPU time x %.3f ± %.3f (all %u runs; reported),", c->busy_cpu.ns,
                   c->busy_cpu.half, c->busy_cpu.n);
        print_cost("busy time a steal adds to its victim", &c->busy_victim);
        print_cost("... to its thief", &c->busy_thief);
        printf(" the model's victim pays %.2f ns", nat_calib_steal_victim(c));
        if (nat_calib_steal_thief(c, &thief))
            printf(" and its thief %.2f ns (ctx_switch_ns)", thief);
        printf(",");
    }
    print_cost("wake-up", &c->wake);
    print_cost("spinner's wake-up", &c->spin_wake);
    print_cost("spawn", &c->spawn);
    print_cost("join message", &c->msg);
    print_cost("remote join (extra)", &c->msg_remote);
    print_cost("replay per spawn", &c->replay);
    if (c->replay.n)
        printf(" the model's %.2f ns (less the detours its trials' CPU time held),",
               nat_noise_replay_ns(c));
    print_cost("UTS child", &c->child);
    print_cost("per process", &c->proc);
    if (c->proc_before.n > 0)
        printf(" (measured between the native runs, in CPU time over all %u trials; the %u "
               "unpreempted read %.2f ± %.2f ns; %.2f ± %.2f ns before the runs),", c->proc.n,
               c->proc_calm.n, c->proc_calm.ns, c->proc_calm.half, c->proc_before.ns,
               c->proc_before.half);
    printf(" busy loop %.3f iterations/ns", c->busy_iters_per_ns);
    if (c->busy_rate.n)
        printf(" (x %.3f ± %.3f between the native runs, on worker 0's CPU; the model's cores x "
               "%.3f)", c->busy_rate.ns, c->busy_rate.half, nat_calib_busy_rate(c));
    printf("\n");
    if (c->corun.n > 0 && c->corun_alone.n > 0)
        printf("               N workers of one runtime each running a copy (stealing off): busy "
               "%.2f ± %.2f ns a dispatch against %.2f ± %.2f ns alone, in turn: x %.3f%s "
               "(reported; the model does not apply it)\n", c->corun.ns, c->corun.half,
               c->corun_alone.ns, c->corun_alone.half, nat_calib_corun_factor(c),
               nat_calib_corun_factor(c) == 1.0 && c->corun.ns != c->corun_alone.ns
               ? " (the ratio's interval holds 1)" : "");
    if (c->nspeed > 1) {
        printf("               CPU speed against worker 0's (one worker pinned on each, between "
               "the native runs), the model's core capacity:");
        for (uint32_t k = 1; k < c->nspeed; k++)
            printf("%s worker %u x%.3f ± %.3f -> %.3f", k > 1 ? "," : "", k, c->speed[k].ns,
                   c->speed[k].half, nat_calib_speed(c, k));
        printf(" (1 where the interval holds 1)\n");
    }
    const struct nat_dist *d = &c->proc_dist;
    if (d->n > 0 && d->q[2] > 0)
        printf("               per-process cost spread (timeline of %llu processes, clock reads "
               "in it): median %.1f ns, cv %.2f, p10 %.2f p90 %.2f p99 %.2f x median; the "
               "model runs every process for the same work=\n", (unsigned long long)d->n,
               d->q[2], d->cv, d->q[0] / d->q[2], d->q[4] / d->q[2], d->q[5] / d->q[2]);
    if (c->workload[0] != '\0')
        printf("               per-process cost measured on %s\n", c->workload);
    const struct nat_noise *z = &c->noise;
    if (z->slices > 0)
        printf("  host noise   %llu detours (clock-read gaps over %u ns) in %.0f ms of loops pinned "
               "to the run's CPUs, %u times around the native runs: one every %.1f us of a "
               "CPU, %.2f us long on average (longest %.1f us), %.3f%% of the time, %.3f%% off "
               "the CPU (the rest is in CPU times); the model's cores lose their CPU as often "
               "and as long (noise_gap_ns, noise_ns), and its per-process cost is x %.4f (less "
               "the detours its CPU time held)\n",
               (unsigned long long)z->detours, NAT_NOISE_MIN_NS, z->observed_ns / 1e6,
               z->slices, nat_noise_gap_ns(z) / 1e3, nat_noise_mean_ns(z) / 1e3,
               z->max_ns / 1e3, z->observed_ns > 0 ? 100.0 * z->detour_ns / z->observed_ns : 0,
               z->observed_ns > 0 ? 100.0 * z->off_cpu_ns / z->observed_ns : 0,
               nat_noise_work_factor(z));
    printf("  host load    %.2f %.2f %.2f (1, 5, 15 min) on %u CPUs\n", c->load[0], c->load[1],
           c->load[2], c->host_cpus);
}

/* Warnings a reader of the numbers needs: a loaded host, an error below the native spread. */
static void print_warnings(const struct nat_validate_result *r)
{
    const struct nat_calibration *c = &r->cal;
    if (c->host_cpus > 0 && c->load[0] > (double)c->host_cpus)
        printf("  warning: the host's load (%.2f) exceeds its %u CPUs: native times include "
               "waiting for a CPU\n", c->load[0], c->host_cpus);
    if (r->cpu_share.n > 0 && r->cpu_share.mean < 0.95)
        printf("  note: the native workers held a CPU %.1f%% ± %.1f%% of threads x makespan; "
               "the simulator's cores lose theirs only to the noise measured around the runs "
               "(compare cpu_ns, which is not stretched by waiting)\n",
               100.0 * r->cpu_share.mean, 100.0 * r->cpu_share.half);
    /* (Not the per-process cost: CPU time, it keeps its preempted trials by design,
     * nat_cost_all, and the calibration's text gives the unpreempted ones' apart.) */
    const struct nat_cost *costs[] = { &c->steal, &c->wake, &c->spawn, &c->msg };
    static const char *const names[] = { "steal", "wake-up", "spawn", "join message" };
    for (size_t i = 0; i < sizeof costs / sizeof costs[0]; i++)
        if (costs[i]->n > 0 && costs[i]->preempted > 0 && costs[i]->dropped == 0)
            printf("  warning: the %s cost kept %u preempted trials of %u (too few ran "
                   "unpreempted): it includes the host's load\n", names[i],
                   costs[i]->preempted, costs[i]->n);
    for (size_t i = 0; i < NPROBED; i++) {
        const struct nat_cost *k = probed_cost(c, i);
        if (k->unsettled)
            printf("  warning: the %s cost did not settle in %u measurements (%.2f ± %.2f ns, "
                   "median %.2f): the host's detours stretched more trials than the trimmed mean "
                   "drops, or a burst held through one; %s; repeat on a quieter host\n",
                   probed[i].name, k->tries, k->ns, k->half, k->median,
                   k == &c->steal_victim ? "the model leaves it out (its victims pay the "
                                           "runs' fitted cost where that applies, else none)"
                                         : "the model charges it as measured");
    }
    for (uint32_t k = 1; k < c->nspeed; k++)
        if (nat_calib_speed_doubtful(c, k))
            printf("  warning: worker %u's CPU read x%.3f of worker 0's between the runs (%u clean "
                   "trials, %u preempted dropped); the model's steal counts are far from linear "
                   "in that ratio, and this host's CPUs change speed from minute to minute: read "
                   "the steal errors with it, or repeat on a quieter host\n", k,
                   c->speed[k].ns, c->speed[k].n, c->speed[k].dropped);
    if (r->cpu_off) {
        double off = r->m[8].sim - r->m[8].native;
        printf("  warning: the model's CPU time is %+.1f%% ± %.1f%% off the native runs'; the "
               "steal counts' difference explains %.0f%% of it (%+.1f steals a run at %.1f us of "
               "barrier and interruption each), the rest is the per-process cost the runs paid "
               "against the one measured between them (the host's drift)\n",
               100.0 * r->m[8].rel_error, 100.0 * r->m[8].rel_half,
               off != 0 ? 100.0 * r->cpu_off_steals_ns / off : 0.0,
               r->m[1].sim - r->m[1].native,
               r->m[1].sim != r->m[1].native
               ? r->cpu_off_steals_ns / (r->m[1].sim - r->m[1].native) / 1e3 : 0.0);
    }
    if (r->noisy)
        printf("  warning: the native makespan's spread (±%.1f%%) is larger than the error "
               "measured (%+.1f%%): this host cannot resolve it; repeat more or on a quiet "
               "machine\n", 100.0 * r->m[0].native_ci.half / r->m[0].native,
               100.0 * r->m[0].rel_error);
}

static void print_text(const struct nat_validate_opts *o, const struct nat_validate_result *r)
{
    printf("validate %s on %s, strategy %s, %u native runs, %u simulated seeds (simulated as "
           "%s)\n", o->workload, r->topology, o->strategy, r->repeat, r->sim_repeat,
           r->sim_trace);
    print_calibration(&r->cal);
    printf("  %-14s %24s %24s %20s\n", "metric", "native (95% CI)", "simulated (95% CI)",
           "rel. error (95% CI)");
    for (int i = 0; i < NAT_VALIDATE_METRICS; i++) {
        const struct nat_metric_cmp *c = &r->m[i];
        printf("  %-14s %12.5g ± %-9.3g %12.5g ± %-9.3g %+8.1f%% ± %5.1f%%\n", c->name,
               c->native, c->native_ci.half, c->sim, c->sim_ci.half, 100.0 * c->rel_error,
               100.0 * c->rel_half);
    }
    if (r->paired) {
        printf("  %-14s each native run against the mean of the seeds that modelled it (its cores "
               "at its own per-process cost, x", "paired");
        for (uint32_t k = 0; k < r->repeat && k < 8; k++)
            printf("%s%.3f", k ? " " : "", r->paired_factor[k]);
        printf("%s of the model's", r->repeat > 8 ? " ..." : "");
        if (r->threads > 1 && r->cal.nspeed > 1) {
            printf("; worker 1's CPU at x");
            for (uint32_t k = 0; k < r->repeat && k < 8; k++)
                printf("%s%.3f", k ? " " : "", r->paired_speed[k][1]);
            printf("%s of worker 0's", r->repeat > 8 ? " ..." : "");
        }
        printf("):\n");
        for (int i = 0; i < NAT_VALIDATE_METRICS; i++)
            if (r->m[i].paired.n > 0)
                printf("  %-14s %+8.1f%% ± %5.1f%% (%zu runs)\n", r->m[i].name,
                       100.0 * r->m[i].paired.mean, 100.0 * r->m[i].paired.half,
                       r->m[i].paired.n);
    }
    /* The runs' and the seeds' spread: means can agree where the distributions do not. */
    printf("  %-14s %33s %33s %8s %12s\n", "distribution", "native min / median / max",
           "simulated min / median / max", "medians", "KS D (p)");
    for (int i = 0; i < NAT_VALIDATE_METRICS; i++) {
        const struct sim_dist_cmp *d = &r->m[i].dist;
        printf("  %-14s %9.4g / %9.4g / %9.4g %9.4g / %9.4g / %9.4g", r->m[i].name, d->x_min,
               d->x_median, d->x_max, d->y_min, d->y_median, d->y_max);
        if (d->x_median != 0)
            printf(" %+7.1f%%", 100.0 * (d->y_median - d->x_median) / d->x_median);
        else
            printf(" %8s", "-");
        printf(" %5.2f (%.2g)\n", d->d, d->p);
    }
    if (r->nbusy > 1) {
        printf("  %-14s", "busy by rank");
        for (uint32_t k = 0; k < r->nbusy && k < 8; k++)
            printf(" %+.1f%%", 100.0 * r->busy[k].rel_error);
        printf("%s (busiest core first; largest %+.1f%%)\n", r->nbusy > 8 ? " ..." : "",
               100.0 * r->busy_max_error);
    }
    if (r->threads > 1 && r->cal.nspeed > 1) {
        double lo = r->seed_speed[0][1], hi = lo;
        for (uint32_t i = 1; i < r->sim_repeat; i++) {
            lo = r->seed_speed[i][1] < lo ? r->seed_speed[i][1] : lo;
            hi = r->seed_speed[i][1] > hi ? r->seed_speed[i][1] : hi;
        }
        printf("  %-14s the seeds' worker 1 at x%.3f to x%.3f of worker 0 (each a slot's own "
               "trials%s; their mean x%.3f)\n", "cpu speed", lo, hi,
               r->paired ? ", its run's" : "", r->cal.speed[1].ns);
    }
    for (uint32_t k = 0; r->threads > 1 && k < r->threads && k < 8; k++)
        printf("  %-14s worker %u ran %.3f ± %.3f of the dispatches, the model's core %.3f ± "
               "%.3f%s\n", k == 0 ? "dispatches" : "", k, r->run_share_native[k].mean,
               r->run_share_native[k].half, r->run_share_sim[k].mean, r->run_share_sim[k].half,
               k == 0 ? " (its CPU's speed as the run saw it, against the model's)" : "");
    if (r->threads > 1)
        printf("  %-14s native %.1f us (one extra run, its first slices recorded), simulated "
               "%.1f ± %.1f us\n", "first steal", r->first_steal_native / 1e3,
               r->first_steal_sim.mean / 1e3, r->first_steal_sim.half / 1e3);
    for (int series = 0; r->threads > 1 && series < SIM_STEAL_TIMES; series++) {
        static const char *const what[SIM_STEAL_TIMES] = {
            "by tenth of the makespan in which they ended",
            "of the last tenth, by hundredth of the makespan",
            "attempts that lost their race, by tenth", "... of the last tenth, by hundredth" };
        printf("  %-14s %-10s", steal_times_label[series], "native");
        for (int k = 0; k < SIM_TENTHS; k++)
            printf(" %6.4g", r->tenth_native[series][k].mean);
        printf("   (%s)\n  %-14s %-10s", what[series], "", "simulated");
        for (int k = 0; k < SIM_TENTHS; k++)
            printf(" %6.4g", r->tenth_sim[series][k].mean);
        printf("\n");
    }
    if (r->won_round_native.n > 0)
        printf("  %-14s a round that took a process (look, barrier, CAS): native %.1f ± %.1f us "
               "(trimmed mean of its mean in each of %u runs that stole), the model's %.1f us\n",
               "steal round",
               r->won_round_native.ns / 1e3, r->won_round_native.half / 1e3,
               (unsigned)r->won_round_native.n, r->won_round_model / 1e3);
    if (r->won_round_native.n > 0)
        printf("  %-14s every native round: p10 %.1f us, median %.1f us, p90 %.1f us (the model "
               "charges each the same)\n", "", r->won_round_p[0] / 1e3, r->won_round_p[1] / 1e3,
               r->won_round_p[2] / 1e3);
    if (r->won_long > 0)
        printf("  %-14s %llu won rounds over %.0f ms left out of the runs' means (the thread lost "
               "its CPU)\n", "", (unsigned long long)r->won_long, NAT_ROUND_LONG_NS / 1e6);
    double lost = r->sim_noise_busy.mean + r->sim_noise_steal.mean;
    if (lost > 0 && r->sim.makespan_ns > 0)
        printf("  %-14s the model's cores paid %.1f us of detours a run (%.2f%% of threads x "
               "makespan), %.1f us of it before steal rounds\n", "host noise", lost / 1e3,
               100.0 * lost / ((double)r->threads * (double)r->sim.makespan_ns),
               r->sim_noise_steal.mean / 1e3);
    /* work= keeps the calibrated remainder to 0.001 ns (spawn and message are cut where they
     * alone exceed the per-process cost), so this guards a model that misses it by 0.1%. */
    if (fabs(r->quantisation) > 0.001)
        printf("  note: work= misses the calibrated per-process cost: it moves the simulated "
               "cost by %+.2f%%\n", 100.0 * r->quantisation);
    print_warnings(r);
    if (r->native.run_id > 0)
        printf("  stored       experiment %lld (calibration in its description): native runs "
               "%lld..%lld, simulated runs %lld..%lld in %s\n", (long long)r->experiment_id,
               (long long)r->native_run_ids[0], (long long)r->native.run_id,
               (long long)r->sim_run_ids[0], (long long)r->sim_run_id, o->db_path);
}

/* --sweep threads=1,2,...: the counts into t[0..*n). 0, or a usage error's exit status. */
static int parse_sweep(const char *arg, uint32_t *t, size_t *n)
{
    if (strncmp(arg, "threads=", 8) != 0)
        return sim_cli_usage_error("validate", "--sweep wants threads=1,2,..., not '%s'", arg);
    *n = 0;
    const char *s = arg + 8;
    while (*s != '\0') {
        char num[32];
        size_t len = strcspn(s, ",");
        uint64_t v;
        snprintf(num, sizeof num, "%.*s", (int)(len < 31 ? len : 31), s);
        if (len == 0 || len > 31 || !sim_cli_parse_u64(num, &v) || v == 0 || v > 4096)
            return sim_cli_usage_error("validate", "--sweep threads: want counts 1..4096, "
                                       "not '%.*s'", (int)len, s);
        if (*n == MAX_SWEEP)
            return sim_cli_usage_error("validate", "--sweep threads: at most %d counts",
                                       MAX_SWEEP);
        t[(*n)++] = (uint32_t)v;
        s += len + (s[len] == ',');
    }
    return *n == 0 ? sim_cli_usage_error("validate", "--sweep threads: no count given") : 0;
}

static void print_sweep_row(const struct nat_validate_result *r)
{
    printf("  %7u", r->threads);
    static const int cols[] = { 0, 8, 1, 6, 3 };
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        const struct nat_metric_cmp *c = &r->m[cols[k]];
        if (isnan(c->rel_error))   /* native 0, simulated not */
            printf("   %18s", "native 0");
        else
            printf("   %+7.1f%% ± %5.1f%%", 100.0 * c->rel_error, 100.0 * c->rel_half);
    }
    const struct sim_ci *mk = &r->m[0].native_ci;
    printf("   %9.1f%%   %8.1f%%   %6.2f ns x %5.3f%s%s\n",
           mk->mean > 0 ? 100.0 * mk->half / mk->mean : 0.0, 100.0 * r->cpu_share.mean,
           r->cal.proc.ns, nat_calib_busy_factor(&r->cal), r->noisy ? "  noisy" : "",
           r->cpu_off ? "  cpu off" : "");
}

/* Calibrate once (on the largest count), then validate at each count. */
static int run_sweep(struct nat_validate_opts *o, const uint32_t *t, size_t n, bool json)
{
    char err[1024];
    struct nat_calibration cal;
    uint32_t most = 0;
    for (size_t i = 0; i < n; i++)
        most = t[i] > most ? t[i] : most;
    o->threads = most;
    if (nat_validate_calibrate(o, &cal, err, sizeof err) != 0)
        return sim_cli_fail("validate", "%s", err);
    o->cal = &cal;
    if (o->db_path != NULL &&   /* without a database each count gets a temporary one */
        nat_validate_experiment(o->db_path, o->workload, o->strategy, &cal, &o->experiment_id,
                                err, sizeof err) != 0)
        return sim_cli_fail("validate", "%s", err);
    struct nat_validate_result *r = malloc(sizeof(*r));
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    if (r == NULL || (json && arr == NULL))
        return sim_cli_fail("validate", "out of memory");
    if (!json) {
        printf("validate %s, strategy %s: relative error (sim - native) / native, 95%% CI\n",
               o->workload, o->strategy);
        print_calibration(&cal);
        printf("  %7s   %18s   %18s   %18s   %18s   %18s   %10s   %9s   %12s\n", "threads",
               "makespan", "cpu time", "steals", "busy per core", "migrations", "native ±",
               "cpu share", "per process x N-worker factor");
    }
    int rc = SIM_EXIT_OK;
    for (size_t i = 0; i < n && rc == SIM_EXIT_OK; i++) {
        o->threads = t[i];
        if (nat_validate(o, r, err, sizeof err) != 0)
            rc = sim_cli_fail("validate", "threads=%u: %s", t[i], err);
        else if (json)
            cJSON_AddItemToArray(arr, result_json(o, r));
        else
            print_sweep_row(r);
    }
    if (rc == SIM_EXIT_OK && !json)
        printf("  (noisy: the native makespan's spread exceeds its error; cpu off: the model's "
               "CPU time is more than 5%% off the runs', by its steals or by the host's drift of "
               "the per-process cost: --json has cpu_off_steals_ns, and each count's noise)\n");
    if (rc == SIM_EXIT_OK && json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "sweep", arr);
        char *txt = cJSON_PrintUnformatted(j);
        puts(txt);
        free(txt);
        cJSON_Delete(j);
    } else {
        cJSON_Delete(arr);
    }
    free(r);
    return rc;
}

static int run_one(struct nat_validate_opts *o, bool json)
{
    char err[1024];
    struct nat_validate_result *r = malloc(sizeof(*r));
    if (r == NULL)
        return sim_cli_fail("validate", "out of memory");
    if (nat_validate(o, r, err, sizeof err) != 0) {
        free(r);
        return sim_cli_fail("validate", "%s", err);
    }
    if (json) {
        cJSON *j = result_json(o, r);
        char *txt = cJSON_PrintUnformatted(j);
        puts(txt);
        free(txt);
        cJSON_Delete(j);
    } else {
        print_text(o, r);
    }
    free(r);
    return SIM_EXIT_OK;
}

/* --repeat / --sim-repeat: 2..NAT_VALIDATE_MAX_REPEAT of `what` into *out. 0, or -1 after a
 * usage error. */
static int parse_count(const char *opt, const char *what, const char *arg, uint32_t *out)
{
    uint64_t v;
    if (!sim_cli_parse_u64(arg, &v) || v < 2 || v > NAT_VALIDATE_MAX_REPEAT) {
        sim_cli_usage_error("validate", "%s wants 2..%d (an interval needs two %s), not '%s'",
                            opt, NAT_VALIDATE_MAX_REPEAT, what, arg);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

/* The options into o, *json and sweep[0..*nsweep). 0, or a usage error's exit status. */
static int parse_opts(int argc, char **argv, struct nat_validate_opts *o, bool *json,
                      uint32_t *sweep, size_t *nsweep)
{
    static const struct option longopts[] = {
        { "threads", required_argument, NULL, 'n' },
        { "strategy", required_argument, NULL, 's' },
        { "seed", required_argument, NULL, 'S' },
        { "repeat", required_argument, NULL, 'r' },
        { "sim-repeat", required_argument, NULL, 'R' },
        { "sweep", required_argument, NULL, 'w' },
        { "db", required_argument, NULL, 'd' },
        { "no-db", no_argument, NULL, 'N' },
        { "param", required_argument, NULL, 'p' },
        { "json", no_argument, NULL, 'j' },
        { "paired", no_argument, NULL, 'P' },
        { NULL, 0, NULL, 0 },
    };
    char err[1024];
    uint64_t v;
    int c;
    optind = 1;
    while ((c = sim_cli_getopt("validate", argc, argv, ":n:s:p:", longopts)) != -1) {
        switch (c) {
        case '?': return SIM_EXIT_USAGE;
        case 's': o->strategy = optarg; break;
        case 'd': o->db_path = optarg; break;
        case 'N': o->db_path = NULL; break;
        case 'j': *json = true; break;
        case 'P': o->paired = true; break;
        case 'n':
            if (!sim_cli_parse_u64(optarg, &v) || v == 0 || v > 4096)
                return sim_cli_usage_error("validate", "--threads wants 1..4096, not '%s'",
                                           optarg);
            o->threads = (uint32_t)v;
            break;
        case 'r':
            if (parse_count("--repeat", "runs", optarg, &o->repeat) != 0)
                return SIM_EXIT_USAGE;
            break;
        case 'R':
            if (parse_count("--sim-repeat", "seeds", optarg, &o->sim_repeat) != 0)
                return SIM_EXIT_USAGE;
            break;
        case 'w': {
            int rc = parse_sweep(optarg, sweep, nsweep);
            if (rc != 0)
                return rc;
            break;
        }
        case 'S':
            if (!sim_cli_parse_u64(optarg, &o->seed))
                return sim_cli_usage_error("validate", "--seed wants a number, not '%s'", optarg);
            break;
        case 'p':
            if (sim_cli_check_param("validate", optarg) != 0)
                return SIM_EXIT_USAGE;
            if (sim_params_apply(&o->params, optarg, err, sizeof err) != 0)
                return sim_cli_usage_error("validate", "%s", err);
            break;
        }
    }
    return 0;
}

int sim_cmd_validate(int argc, char **argv)
{
    struct nat_validate_opts o = { .strategy = "locality", .seed = 1, .repeat = 5,
                                   .db_path = SIM_DEFAULT_DB };
    ws_params_defaults(&o.params);
    bool json = false;
    uint32_t sweep[MAX_SWEEP];
    size_t nsweep = 0;
    int rc = parse_opts(argc, argv, &o, &json, sweep, &nsweep);
    if (rc != 0)
        return rc;
    if (optind >= argc)
        return sim_cli_usage_error("validate", "which workload? (fib:N, nqueens:N, uts:SET or "
                                               "a trace)");
    if (optind + 1 < argc)
        return sim_cli_usage_error("validate", "unexpected argument '%s'", argv[optind + 1]);
    if (nsweep > 0 && o.threads > 0)
        return sim_cli_usage_error("validate", "--threads and --sweep threads=... exclude "
                                               "each other");
    if (sim_cli_check_strategy("validate", o.strategy) != 0)
        return SIM_EXIT_USAGE;
    sim_cli_strategy_params_check("validate", o.strategy, &o.params);
    o.workload = argv[optind];
    o.stopped = &interrupted;
    signal(SIGINT, on_sigint);
    return nsweep > 0 ? run_sweep(&o, sweep, nsweep, json) : run_one(&o, json);
}
