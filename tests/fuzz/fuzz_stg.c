/* fuzz_stg.c: fuzz target of the STG task graphs (Standard Task Graph Set) importer (see fuzz_import.h). */
#include "tests/fuzz/fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(SIM_IMPORT_STG, data, size);
    return 0;
}
