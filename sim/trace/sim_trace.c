/* sim_trace.c: the parts every trace source shares (records, errors, checksums) and the
 * JSON Lines writer. */
#include "sim/trace/sim_trace_src.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const phase_names[SIM_PHASE_COUNT] = {
    "run", "wait", "send", "recv", "spawn", "exit", "affinity",
};
static const char *const prio_names[SIM_PRIO_COUNT] = { "max", "high", "normal", "low" };
static const char *const aff_names[SIM_AFF_COUNT] = { "none", "strict", "preferred" };

const char *sim_trace_phase_name(unsigned kind)
{
    return kind < SIM_PHASE_COUNT ? phase_names[kind] : "?";
}

const char *sim_trace_prio_name(unsigned prio)
{
    return prio < SIM_PRIO_COUNT ? prio_names[prio] : "?";
}

const char *sim_trace_aff_name(unsigned kind)
{
    return kind < SIM_AFF_COUNT ? aff_names[kind] : "?";
}

struct sim_trace_rec *sim_trace_rec_new(uint32_t nphases, uint32_t ncores)
{
    return sim_trace_rec_new_aff(nphases, ncores, 0);
}

size_t sim_trace_rec_size(uint32_t nphases, uint32_t ncores, uint32_t nwords)
{
    return sizeof(struct sim_trace_rec) + (size_t)nphases * sizeof(struct sim_trace_phase)
           + ((size_t)ncores + nwords) * sizeof(uint32_t);
}

struct sim_trace_rec *sim_trace_rec_new_aff(uint32_t nphases, uint32_t ncores, uint32_t nwords)
{
    void *mem = calloc(1, sim_trace_rec_size(nphases, ncores, nwords));
    return mem != NULL ? sim_trace_rec_init(mem, nphases, ncores, nwords) : NULL;
}

struct sim_trace_rec *sim_trace_rec_init(void *mem, uint32_t nphases, uint32_t ncores,
                                         uint32_t nwords)
{
    struct sim_trace_rec *r = mem;
    r->nphases = nphases;
    r->phases = sim_trace_rec_phases(r);
    r->aff_ncores = ncores;
    r->aff_cores = ncores ? sim_trace_rec_cores(r) : NULL;
    r->aff_nwords = nwords;
    r->aff_words = nwords ? sim_trace_rec_aff_words(r) : NULL;
    r->aff_preferred = -1;
    r->prio = SIM_PRIO_NORMAL;
    r->parent = SIM_TRACE_NO_PARENT;
    return r;
}

void sim_trace_aff_change(const struct sim_trace_rec *r, const struct sim_trace_phase *ph,
                          struct sim_trace_aff_change *out)
{
    const uint32_t *w = r->aff_words + ph->arg;
    *out = (struct sim_trace_aff_change){
        .set_aff = (w[0] & SIM_TRACE_AFF_SET) != 0, .set_max = (w[0] & SIM_TRACE_AFF_MAX) != 0,
        .kind = (uint8_t)(w[0] >> 8), .preferred = (int32_t)w[1], .max_migrations = w[2],
        .ncores = w[3], .cores = w + SIM_TRACE_AFF_HEAD,
    };
}

void sim_trace_rec_free(struct sim_trace_rec *rec)
{
    free(rec);
}

int sim_trace_fail(struct sim_trace *t, const char *fmt, ...)
{
    if (!t->failed) {   /* keep the first error: later ones are consequences */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->err, sizeof t->err, fmt, ap);
        va_end(ap);
        t->failed = true;
    }
    return SIM_TRACE_ERROR;
}

void sim_trace_init_head(struct sim_trace *t, const struct sim_trace_ops *ops, const char *kind)
{
    memset(t, 0, sizeof *t);
    t->ops = ops;
    t->info.kind = kind;
    t->info.roots = UINT64_MAX;
    t->info.time_unit_ns = 1;
}

int sim_trace_finish(struct sim_trace *t)
{
    if (t->failed)
        return SIM_TRACE_ERROR;
    return t->ops->finish != NULL ? t->ops->finish(t) : SIM_TRACE_OK;
}

void sim_trace_close(struct sim_trace *t)
{
    if (t != NULL)
        t->ops->close(t);
}

const char *sim_trace_error(const struct sim_trace *t)
{
    return t->failed ? t->err : "";
}

static void to_hex(const unsigned char *md, char hex[41])
{
    for (int i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

const char *sim_trace_checksum(struct sim_trace *t)
{
    if (t->checksum[0] != '\0')
        return t->checksum;
    if (strcmp(t->info.kind, "file") == 0) {
        if (sim_trace_file_sha1(t->info.canonical, t->checksum) != 0) {
            t->checksum[0] = '\0';
            sim_trace_fail(t, "%s: cannot read for its checksum: %s", t->info.canonical,
                           strerror(errno));
            return NULL;
        }
        return t->checksum;
    }
    unsigned char md[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)t->info.canonical, strlen(t->info.canonical), md);
    to_hex(md, t->checksum);
    return t->checksum;
}

/* SHA1_Init/Update/Final are deprecated in OpenSSL 3; stream through EVP instead. */
int sim_trace_file_sha1(const char *path, char hex[41])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    enum { BUFSZ = 1 << 16 };
    unsigned char *buf = malloc(BUFSZ);
    int ok = ctx != NULL && buf != NULL && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1;
    size_t n;
    while (ok && (n = fread(buf, 1, BUFSZ, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 20;
    int saved = ferror(f) ? errno : EIO;
    EVP_MD_CTX_free(ctx);
    free(buf);
    fclose(f);
    if (!ok) {
        errno = saved;
        return -1;
    }
    to_hex(md, hex);
    return 0;
}

/* ---- writer ----------------------------------------------------------------------------- */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

int sim_trace_write_header(FILE *f, const struct sim_trace_info *info)
{
    return sim_trace_write_header_layout(f, info, NULL);
}

int sim_trace_write_header_layout(FILE *f, const struct sim_trace_info *info,
                                  const char *layout)
{
    fputs("{\"format\":\"schedlab-trace\",\"version\":1", f);
    if (layout != NULL)   /* the writer fills in "bytes" (SIM_TRACE_BYTES_W wide) at the end */
        fprintf(f, ",\"layout\":\"%s\",\"bytes\":%*s", layout, SIM_TRACE_BYTES_W, "0");
    if (info->name[0] != '\0') {
        fputs(",\"name\":", f);
        json_string(f, info->name);
    }
    fputs(",\"time_unit\":\"ns\"", f);
    if (info->roots != UINT64_MAX)
        fprintf(f, ",\"roots\":%" PRIu64, info->roots);
    if (info->processes != 0)
        fprintf(f, ",\"processes\":%" PRIu64, info->processes);
    if (strcmp(info->kind, "file") != 0) {
        fputs(",\"generator\":", f);
        json_string(f, info->canonical);
    }
    fputs("}\n", f);
    return ferror(f) ? -1 : 0;
}

/* The object {"kind":..,"cores":[..],"preferred":..} without its closing brace. */
static void write_aff_object(FILE *f, unsigned kind, const uint32_t *cores, uint32_t n,
                             int32_t preferred)
{
    fprintf(f, "{\"kind\":\"%s\"", sim_trace_aff_name(kind));
    if (kind != SIM_AFF_NONE) {
        fputs(",\"cores\":[", f);
        for (uint32_t i = 0; i < n; i++)
            fprintf(f, "%s%" PRIu32, i ? "," : "", cores[i]);
        fputc(']', f);
        if (preferred >= 0)
            fprintf(f, ",\"preferred\":%" PRId32, preferred);
    }
}

static void write_affinity(FILE *f, const struct sim_trace_rec *r)
{
    fputs(",\"affinity\":", f);
    write_aff_object(f, r->aff_kind, r->aff_cores, r->aff_ncores, r->aff_preferred);
    fputc('}', f);
}

/* ["affinity",{...,"max_migrations":N}] as the reader takes it back. */
static void write_aff_phase(FILE *f, const struct sim_trace_rec *r,
                            const struct sim_trace_phase *p)
{
    struct sim_trace_aff_change a;
    sim_trace_aff_change(r, p, &a);
    fputc(',', f);
    if (a.set_aff)
        write_aff_object(f, a.kind, a.cores, a.ncores, a.preferred);
    else
        fputc('{', f);
    if (a.set_max)
        fprintf(f, "%s\"max_migrations\":%" PRIu32, a.set_aff ? "," : "", a.max_migrations);
    fputc('}', f);
}

static bool same_affinity(const struct sim_trace_rec *a, const struct sim_trace_rec *b)
{
    return a->aff_kind == b->aff_kind && a->aff_preferred == b->aff_preferred
           && a->aff_ncores == b->aff_ncores
           && (a->aff_ncores == 0
               || memcmp(a->aff_cores, b->aff_cores, a->aff_ncores * sizeof(uint32_t)) == 0);
}

int sim_trace_write_rec(FILE *f, const struct sim_trace_rec *r,
                        const struct sim_trace_rec *parent)
{
    fprintf(f, "{\"id\":%" PRIu64, r->id);
    if (r->parent == SIM_TRACE_NO_PARENT)
        fprintf(f, ",\"spawn\":%" PRIu64, r->spawn_ns);
    else
        fprintf(f, ",\"parent\":%" PRIu64, r->parent);
    if (r->prio != SIM_PRIO_NORMAL)
        fprintf(f, ",\"prio\":\"%s\"", sim_trace_prio_name(r->prio));
    if (r->ws_bytes != 0)
        fprintf(f, ",\"ws\":%" PRIu64, r->ws_bytes);
    bool inherited = parent != NULL && r->parent != SIM_TRACE_NO_PARENT
                         ? same_affinity(r, parent) : r->aff_kind == SIM_AFF_NONE;
    if (!inherited)
        write_affinity(f, r);
    fputs(",\"phases\":[", f);
    for (uint32_t i = 0; i < r->nphases; i++) {
        const struct sim_trace_phase *p = &r->phases[i];
        fprintf(f, "%s[\"%s\"", i ? "," : "", sim_trace_phase_name(p->kind));
        if (p->kind == SIM_PHASE_AFFINITY)
            write_aff_phase(f, r, p);
        else if (p->kind != SIM_PHASE_RECV && p->kind != SIM_PHASE_EXIT)
            fprintf(f, ",%" PRIu64, p->arg);
        fputc(']', f);
    }
    fputs("]}\n", f);
    return ferror(f) ? -1 : 0;
}
