/* fuzz_perf.c: fuzz target of the importer of `perf script` output of perf sched record
 * (see fuzz_import.h). */
#include "tests/fuzz/fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(SIM_IMPORT_PERF, data, size);
    return 0;
}
