/* fuzz_replay.c: fuzz target of the simulator on arbitrary traces: the input is a trace file;
 * when it reads, it is replayed on a synthetic P/E machine (4 P + 4 E cores in two clusters)
 * with one of the six strategies, and the run must end (completed, or refused with a message: deadlock,
 * message to nobody, bad affinity) without a crash, a leak or a hang.
 *
 * Bounds: the run is stopped after about 2^20 events through the engine's stop flag (set from
 * the progress callback), so a trace of huge RUN phases cannot make an input slow.
 * With FUZZ_REPLAY_STORE=1 in the environment, every completed run is also written to an
 * in-memory results database, whose CHECK constraints are the metrics' invariants (sleep <=
 * idle, utilisation in 0..1, ...): a completed run that cannot be stored is a crash. It is off
 * by default while `replay fib:2 --topology synth:p=2` breaks sleep_ns <= idle_ns (reported). */
#include "tests/fuzz/fuzz_common.h"

#include "sim/db/sim_db.h"
#include "sim/engine/sim_engine.h"
#include "sim/engine/sim_topo.h"
#include "sim/trace/sim_trace_src.h"

static const char *const strategies[] = { "random", "ring", "load", "p2c", "locality", "pe" };

static void check(int ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_replay: broken promise: %s: %s\n", what, detail);
        abort();
    }
}

struct stop {
    volatile int stopped;
};

static void on_progress(void *ctx, uint64_t sim_ns, uint64_t done, uint64_t events)
{
    (void)sim_ns, (void)done, (void)events;
    ((struct stop *)ctx)->stopped = 1;
}

/* Write m to a fresh in-memory database: the schema's CHECK constraints must hold. */
static void store(struct sim_run_metrics *m, const char *strategy)
{
    struct sim_db *db;
    char err[1024];
    check(sim_db_open(":memory:", false, &db, err, sizeof err) == 0, "open :memory:", err);
    m->run = (struct sim_run_desc){ .trace = "fuzz", .trace_checksum = "0", .topology = "synth",
                                    .strategy = strategy, .params_json = "{}", .seed = 1,
                                    .mode = SIM_MODE_SIM, .tool_version = "fuzz",
                                    .timeseries_interval_ns = m->run.timeseries_interval_ns };
    int64_t id;
    int rc = sim_db_write_run(db, m, &id, err, sizeof err);
    sim_db_close(db);
    check(rc == 0, "a completed run can be stored", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ws_topo *topo;
    static bool store_runs;
    char path[64], err[1024] = "";
    if (topo == NULL) {
        check(sim_topo_load("synth:sockets=1,nodes=1,clusters=2,p=4,e=4", &topo, err,
                            sizeof err) == 0, "topology", err);
        const char *s = getenv("FUZZ_REPLAY_STORE");
        store_runs = s != NULL && strcmp(s, "1") == 0;
    }
    if (size > FUZZ_MAX_INPUT)
        return 0;
    int fd = fuzz_memfd(data, size, path);
    if (fd < 0)
        return 0;
    struct sim_trace *t = sim_trace_file_open(path, NULL, err, sizeof err);
    if (t == NULL) {
        close(fd);
        return 0;
    }
    struct ws_params params;
    ws_params_defaults(&params);
    const char *strategy = strategies[size % (sizeof strategies / sizeof strategies[0])];
    struct stop stop = { 0 };
    struct sim_engine_opts eo = { .topo = topo, .params = &params, .strategy = strategy,
                                  .seed = 1, .per_process = true, .progress = on_progress,
                                  .progress_ctx = &stop };
    struct sim_engine *e = sim_engine_create(t, &eo, err, sizeof err);
    check(e != NULL, "engine", err);
    if (sim_engine_run(e, &stop.stopped, err, sizeof err) != 0)
        check(err[0] != '\0', "a failed replay says why", "(empty)");
    else if (store_runs)
        store((struct sim_run_metrics *)sim_engine_metrics(e), strategy);
    sim_engine_destroy(e);
    sim_trace_close(t);
    close(fd);
    return 0;
}
