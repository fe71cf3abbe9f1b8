/* sim_suggest.h: "did you mean": the closest of a list of names to a misspelt one, by edit
 * distance, for the errors of unknown parameters, strategies, topologies and generators. */
#ifndef SIM_SUGGEST_H
#define SIM_SUGGEST_H

#include <stddef.h>

/* The candidate closest to word (Damerau-Levenshtein distance, ties to the first), or NULL
 * when none is close enough to be a plausible misspelling (distance above a third of the
 * longer name, at least 1 and at most 3). word itself among the candidates is returned. */
const char *sim_suggest(const char *word, const char *const *candidates, size_t n);

/* " (did you mean 'X'?)" for sim_suggest's answer into buf, or "" when there is none;
 * returns buf. */
char *sim_suggest_text(const char *word, const char *const *candidates, size_t n, char *buf,
                       size_t len);

#endif
