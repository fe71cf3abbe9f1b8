/* validate_strategies.h: every strategy of the victim registry for the validate programs, so a
 * new strategy is validated without touching them. Call validate_load_strategies() first. */
#ifndef VALIDATE_STRATEGIES_H
#define VALIDATE_STRATEGIES_H

#include "core/ws_victim.h"

#include <stddef.h>

#define WS_VICTIM_MAX_VALIDATED 64

static const char *strategies[WS_VICTIM_MAX_VALIDATED];
static size_t nstrat;

static inline void validate_load_strategies(void)
{
    for (nstrat = 0; nstrat < ws_victim_count() && nstrat < WS_VICTIM_MAX_VALIDATED; nstrat++)
        strategies[nstrat] = ws_victim_get(nstrat)->name;
}

#endif
