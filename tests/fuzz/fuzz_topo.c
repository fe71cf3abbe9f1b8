/* fuzz_topo.c: fuzz target of the topology JSON parser (core/ws_topo_json.c): any text either
 * fails with a located message or gives a model whose invariants hold and which survives a
 * round trip through ws_topo_to_json unchanged. */
#include "tests/fuzz/fuzz_common.h"

#include "core/ws_topo.h"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_topo: broken promise: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    struct ws_topo *t = NULL;
    struct ws_topo_error err;
    memset(&err, 0, sizeof err);
    /* The parser takes a length: pass the bytes as they are, not NUL-terminated. */
    char *text = malloc(size > 0 ? size : 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    ws_status st = ws_topo_parse_json(text, size, &t, &err);
    free(text);
    if (st != WS_OK) {
        check(t == NULL, "failure leaves *out NULL");
        check(err.message[0] != '\0', "failure has a message");
        return 0;
    }
    check(t != NULL, "success gives a model");
    const char *broken = ws_topo_check(t);
    if (broken != NULL)
        fprintf(stderr, "fuzz_topo: %s\n", broken);
    check(broken == NULL, "ws_topo_check passes on a parsed model");
    /* Round trip: the written model parses again and writes the same text. */
    char *a = ws_topo_to_json(t, false);
    check(a != NULL, "ws_topo_to_json");
    struct ws_topo *u = NULL;
    st = ws_topo_parse_json(a, strlen(a), &u, &err);
    if (st != WS_OK)
        fprintf(stderr, "fuzz_topo: reparse: %d:%d: %s: %s\n%s\n", err.line, err.column,
                err.field, err.message, a);
    check(st == WS_OK, "the written model parses again");
    char *b = ws_topo_to_json(u, false);
    check(b != NULL && strcmp(a, b) == 0, "the round trip is the identity");
    ws_topo_json_free(a);
    ws_topo_json_free(b);
    ws_topo_destroy(u);
    ws_topo_destroy(t);
    return 0;
}
