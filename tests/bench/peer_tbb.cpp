// peer_tbb.cpp: the oneTBB peer of `schedlab bench forkjoin`: fib with one task_group task per
// call (both children spawned, then wait, as TBB's own task_group example), and UTS with one
// task per node in a single task_group, counted in per-thread counters (no join, like the
// native uts). Arguments and output: tests/bench/peer.h.
#include "tests/bench/peer.h"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <array>
#include <cstring>

static long fib(int n)
{
    if (n < 2)
        return n;
    long x = 0, y = 0;
    tbb::task_group g;
    g.run([&] { x = fib(n - 1); });
    g.run([&] { y = fib(n - 2); });
    g.wait();
    return x + y;
}

struct alignas(64) counter {
    uint64_t n;
};

static counter counts[PEER_MAX_THREADS];
static sim_uts_params uts;

static void uts_node(tbb::task_group &g, std::array<uint8_t, SIM_UTS_DIGEST> d, uint32_t depth)
{
    int slot = tbb::this_task_arena::current_thread_index();
    counts[slot >= 0 && slot < PEER_MAX_THREADS ? slot : 0].n++;
    int k = sim_uts_num_children(&uts, d.data(), depth);
    for (int i = 0; i < k; i++) {
        std::array<uint8_t, SIM_UTS_DIGEST> c;
        nat_uts_child(d.data(), static_cast<uint32_t>(i), c.data());
        g.run([&g, c, depth] { uts_node(g, c, depth + 1); });
    }
}

int main(int argc, char **argv)
{
    peer_job j;
    if (peer_args(argc, argv, &j) != 0)
        return 2;
    uts = j.uts;
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                              static_cast<size_t>(j.threads));
    uint64_t ns[PEER_MAX_REPS], result = 0;
    for (int r = 0; r < j.reps; r++) {
        std::memset(counts, 0, sizeof counts);
        std::array<uint8_t, SIM_UTS_DIGEST> root;
        sim_uts_root(uts.root_seed, root.data());
        uint64_t t0 = peer_now_ns();
        if (j.fib) {
            result = static_cast<uint64_t>(fib(j.n));
        } else {
            tbb::task_group g;
            g.run([&g, root] { uts_node(g, root, 0); });
            g.wait();
        }
        ns[r] = peer_now_ns() - t0;
        if (!j.fib) {
            result = 0;
            for (auto &c : counts)
                result += c.n;
        }
    }
    uint64_t tasks = j.fib ? peer_fib_tasks(j.n) : result;
    peer_print("tbb", &j, tasks, result, ns);
    return 0;
}
