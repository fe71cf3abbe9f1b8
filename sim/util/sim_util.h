/* sim_util.h: clocks, thread pinning and small statistics used by the command line and
 * benchmarks (never by core/, which gets time from its platform interface). */
#ifndef SIM_UTIL_H
#define SIM_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic wall clock in nanoseconds. */
uint64_t sim_now_ns(void);

/* Pin the calling thread to host CPU `cpu` (modulo the CPUs it may use). Returns 0, or -1 if
 * the OS refused (the thread then runs unpinned). */
int sim_pin_self(int cpu);

/* Number of CPUs this process may run on (at least 1). */
int sim_online_cpus(void);

/* Sort v[0..n) ascending, in place. */
void sim_sort_doubles(double *v, size_t n);

/* Median of v[0..n) (sorts v in place); 0 for n == 0. */
double sim_median(double *v, size_t n);

/* Slabs of fixed-size objects: n objects of `size` bytes (a multiple of 64) in one allocation,
 * 64-byte aligned, whose first line links it into *slabs; each object's first word links it
 * into the free list *free_list. 0, or -1 (nothing changed) when out of memory. */
int sim_slab_refill(void **slabs, void **free_list, size_t n, size_t size);
/* Free every slab of the list (the objects in them with them). */
void sim_slab_free_all(void **slabs);

#endif
