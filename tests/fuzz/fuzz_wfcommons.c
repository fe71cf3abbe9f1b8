/* fuzz_wfcommons.c: fuzz target of the WfCommons WfFormat JSON importer (see fuzz_import.h). */
#include "tests/fuzz/fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(SIM_IMPORT_WFCOMMONS, data, size);
    return 0;
}
