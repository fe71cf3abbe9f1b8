/* peer_gomp.c: the OpenMP peer of `schedlab bench forkjoin` (gcc's libgomp): fib with one task
 * per call joined by taskwait (the BOTS fib kernel), and UTS with one task per node counted in
 * per-thread counters (no join, like the native uts). Arguments and output: tests/bench/peer.h. */
#include "tests/bench/peer.h"

#include <omp.h>

static long fib(int n)
{
    if (n < 2)
        return n;
    long x, y;
#pragma omp task shared(x) firstprivate(n)
    x = fib(n - 1);
#pragma omp task shared(y) firstprivate(n)
    y = fib(n - 2);
#pragma omp taskwait
    return x + y;
}

struct counter {
    uint64_t n;
    char pad[56];
};

static struct counter counts[PEER_MAX_THREADS];
static struct sim_uts_params uts;

static void uts_node(const uint8_t *d, uint32_t depth)
{
    counts[omp_get_thread_num()].n++;
    int k = sim_uts_num_children(&uts, d, depth);
    for (int i = 0; i < k; i++) {
        uint8_t c[SIM_UTS_DIGEST];
        nat_uts_child(d, (uint32_t)i, c);
#pragma omp task firstprivate(c, depth)
        uts_node(c, depth + 1);
    }
}

int main(int argc, char **argv)
{
    struct peer_job j;
    if (peer_args(argc, argv, &j) != 0)
        return 2;
    uts = j.uts;
    omp_set_dynamic(0);
    omp_set_num_threads(j.threads);
    uint64_t ns[PEER_MAX_REPS], result = 0, tasks = 0;
    for (int r = 0; r < j.reps; r++) {
        memset(counts, 0, sizeof counts);
        uint8_t root[SIM_UTS_DIGEST];
        sim_uts_root(uts.root_seed, root);
        uint64_t t0 = peer_now_ns();
#pragma omp parallel
        {
#pragma omp single
            {
                if (j.fib)
                    result = (uint64_t)fib(j.n);
                else
                    uts_node(root, 0);
            }
        }
        ns[r] = peer_now_ns() - t0;
        if (!j.fib) {
            result = 0;
            for (int t = 0; t < PEER_MAX_THREADS; t++)
                result += counts[t].n;
        }
    }
    tasks = j.fib ? peer_fib_tasks(j.n) : result;
    peer_print("gomp", &j, tasks, result, ns);
    return 0;
}
