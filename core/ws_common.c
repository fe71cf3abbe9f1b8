/* ws_common.c: names of the shared status codes. */
#include "core/ws_common.h"

const char *ws_status_name(ws_status s)
{
    switch (s) {
    case WS_OK:     return "ok";
    case WS_EMPTY:  return "empty";
    case WS_ABORT:  return "abort";
    case WS_DENIED: return "denied";
    case WS_NOMEM:  return "out of memory";
    case WS_EINVAL: return "invalid argument";
    }
    return "unknown status";
}
