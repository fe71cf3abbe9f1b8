/* sim_suggest.c: the closest name to a misspelt one (see sim_suggest.h). */
#include "sim/util/sim_suggest.h"

#include <stdio.h>
#include <string.h>

#define MAX_NAME 64

/* Optimal string alignment distance of a and b (both shorter than MAX_NAME). */
static size_t distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    size_t d[MAX_NAME + 1][MAX_NAME + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;   /* a transposition: fbi -> fib */
            d[i][j] = best;
        }
    }
    return d[n][m];
}

const char *sim_suggest(const char *word, const char *const *candidates, size_t n)
{
    if (word == NULL || strlen(word) >= MAX_NAME)
        return NULL;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (candidates[i] == NULL || strlen(candidates[i]) >= MAX_NAME)
            continue;
        size_t d = distance(word, candidates[i]);
        size_t longer = strlen(word) > strlen(candidates[i]) ? strlen(word)
                                                             : strlen(candidates[i]);
        size_t limit = longer / 3 < 1 ? 1 : longer / 3 > 3 ? 3 : longer / 3;
        if (d <= limit && d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}

char *sim_suggest_text(const char *word, const char *const *candidates, size_t n, char *buf,
                       size_t len)
{
    const char *s = sim_suggest(word, candidates, n);
    if (s == NULL)
        snprintf(buf, len, "%s", "");
    else
        snprintf(buf, len, " (did you mean '%s'?)", s);
    return buf;
}
