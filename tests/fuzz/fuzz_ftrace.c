/* fuzz_ftrace.c: fuzz target of the importer of ftrace sched_* text (cat trace, trace-cmd
 * report) (see fuzz_import.h). */
#include "tests/fuzz/fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(SIM_IMPORT_FTRACE, data, size);
    return 0;
}
