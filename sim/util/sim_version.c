/* sim_version.c: the version string's one definition (sim_version.h). */
#include "sim/util/sim_version.h"

const char *const sim_version = SIM_VERSION;
