/*
 * meta.c - the model's metadata_props as ultralytics writes them: class
 * names, task, imgsz and stride (and batch, half for `models inspect`).
 * The values are text from the file, so each is checked and bounded; one
 * that is present but unreadable fails the load rather than being half
 * believed.
 *
 * `names` is str() of a Python dict, e.g. {0: 'person', 1: "teddy's"}.
 * There is no Debian C library for Python literals, and a general parser
 * would be far more than this needs, so names_parse() reads exactly that
 * form: keys 0, 1, 2... in order, values in single or double quotes with
 * the escapes Python's repr() writes for printable text (\\ \' \"), in
 * UTF-8. Any other form is refused with the offset where reading stopped.
 */
#include "infer/internal.h"
#include "infer/onnx_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_MAX_VALUE (1 << 20)   /* names of 1024 classes fit easily */
#define META_MAX_NAMES 1024
#define META_MAX_NAME 255

static const char *const meta_keys[IR_META_COUNT] = {
    [IR_META_NAMES] = "names", [IR_META_TASK] = "task",
    [IR_META_IMGSZ] = "imgsz", [IR_META_STRIDE] = "stride",
    [IR_META_BATCH] = "batch", [IR_META_HALF] = "half",
    [IR_META_AUTHOR] = "author",
};

/* One StringStringEntryProto; keys AVP does not use are skipped. */
int ir_meta_entry(ir_graph_t *g, const uint8_t *data, size_t len,
                  avp_error_t *err)
{
    wire_reader_t r;
    wire_field_t f, key = {0}, value = {0};
    int rc;
    wire_init(&r, data, len);
    while ((rc = wire_next(&r, &f)) == 1) {
        if (f.num == ONNX_ENTRY_KEY && f.type == WIRE_LEN)
            key = f;
        else if (f.num == ONNX_ENTRY_VALUE && f.type == WIRE_LEN)
            value = f;
    }
    if (rc < 0)
        return avp_error_set(err, AVP_EFORMAT, "malformed metadata_props");
    for (int k = 0; k < IR_META_COUNT; k++) {
        if (key.len != strlen(meta_keys[k]) ||
            memcmp(key.data, meta_keys[k], key.len))
            continue;
        if (value.len > META_MAX_VALUE)
            return avp_error_set(err, AVP_EUNSUPPORTED, "metadata '%s' is "
                                 "longer than %d bytes", meta_keys[k],
                                 META_MAX_VALUE);
        avp_free(g->meta[k]);
        g->meta[k] = avp_malloc(value.len + 1);
        if (value.len) /* an absent value has no data pointer */
            memcpy(g->meta[k], value.data, value.len);
        g->meta[k][value.len] = 0;
    }
    return 0;
}

static const char *skip_space(const char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF): names end up in JSON, which takes nothing else. */
static int utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2
                               : (c & 0xf0) == 0xe0 ? 3
                               : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (!len || i + len > n)
            return 0;
        uint32_t cp = len == 1 ? c : c & (0x7fu >> len);
        for (unsigned k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3fu);
        }
        static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
            return 0;
        i += len;
    }
    return 1;
}

/* A quoted Python string at *p into out (at most META_MAX_NAME bytes). */
static int quoted(const char **p, char *out)
{
    char q = **p;
    size_t n = 0;
    if (q != '\'' && q != '"')
        return -1;
    const char *s = *p + 1;
    for (; *s && *s != q; s++) {
        if (*s == '\\') {
            s++;
            if (*s != '\\' && *s != '\'' && *s != '"')
                return -1;
        }
        if ((unsigned char)*s < 0x20 || n == META_MAX_NAME)
            return -1;
        out[n++] = *s;
    }
    if (*s != q || n == 0 || !utf8_ok((const unsigned char *)out, n))
        return -1;
    out[n] = 0;
    *p = s + 1;
    return 0;
}

/* Reads "{0: 'a', 1: 'b'}" into info->names; -1 with *at the offset where
 * the form was left. */
static int names_parse(const char *text, ir_info_state_t *s, size_t *at)
{
    const char *p = skip_space(text);
    char name[META_MAX_NAME + 1];
    int n = 0;
    if (*p++ != '{')
        goto bad;
    for (p = skip_space(p); *p != '}'; n++) {
        char *end;
        long key = strtol(p, &end, 10);
        if (end == p || *p == '-' || *p == '+' || key != n ||
            n == META_MAX_NAMES || *(p = skip_space(end)) != ':')
            goto bad;
        p = skip_space(p + 1);
        if (quoted(&p, name) < 0)
            goto bad;
        s->names = avp_realloc(s->names, (size_t)(n + 1) * sizeof(char *));
        s->names[n] = avp_strdup(name);
        s->info.num_names = n + 1;
        p = skip_space(p);
        if (*p == ',')
            p = skip_space(p + 1);
        else if (*p != '}')
            goto bad;
    }
    if (*skip_space(p + 1) || n == 0)
        goto bad;
    s->info.names = (const char *const *)s->names;
    return 0;
bad:
    *at = (size_t)(p - text);
    return -1;
}

/* "[640, 640]" or "640" (ultralytics writes a list; older ones an int). */
static int imgsz_parse(const char *text, int64_t *hw)
{
    int used = 0;
    long h, w;
    if (sscanf(text, " [%ld , %ld ]%n", &h, &w, &used) == 2 && !text[used]) {
        hw[0] = h;
        hw[1] = w;
    } else if (sscanf(text, "%ld%n", &h, &used) == 1 && !text[used]) {
        hw[0] = hw[1] = h;
    } else {
        return -1;
    }
    return hw[0] > 0 && hw[0] <= (1 << 16) && hw[1] > 0 && hw[1] <= (1 << 16)
           ? 0 : -1;
}

int ir_meta_read(const ir_graph_t *g, ir_info_state_t *s, avp_error_t *err)
{
    infer_info_t *info = &s->info;
    char *const *m = g->meta;
    size_t at = 0;
    if (m[IR_META_NAMES] && names_parse(m[IR_META_NAMES], s, &at) < 0)
        return avp_error_set(err, AVP_EFORMAT, "metadata 'names' is not a "
                             "dict of class names {0: 'name', ...} (at "
                             "byte %zu)", at);
    if (m[IR_META_IMGSZ] && imgsz_parse(m[IR_META_IMGSZ], info->imgsz) < 0)
        return avp_error_set(err, AVP_EFORMAT, "metadata 'imgsz' is not "
                             "[h, w] or a size");
    if (m[IR_META_TASK]) {
        if (strlen(m[IR_META_TASK]) >= sizeof(info->task))
            return avp_error_set(err, AVP_EFORMAT, "metadata 'task' is too "
                                 "long");
        snprintf(info->task, sizeof(info->task), "%s", m[IR_META_TASK]);
    }
    if (m[IR_META_STRIDE]) {
        char *end;
        long v = strtol(m[IR_META_STRIDE], &end, 10);
        if (end == m[IR_META_STRIDE] || *end || v < 1 || v > 1024)
            return avp_error_set(err, AVP_EFORMAT, "metadata 'stride' is "
                                 "not a stride");
        info->stride = (int)v;
    }
    info->ultralytics = m[IR_META_AUTHOR] &&
                        !strcmp(m[IR_META_AUTHOR], "Ultralytics");
    info->half = m[IR_META_HALF] && !strcmp(m[IR_META_HALF], "True");
    info->export_batch = m[IR_META_BATCH] ? atoi(m[IR_META_BATCH]) : 0;
    return 0;
}

/* An input exported with dynamic height and width (ultralytics'
 * dynamic=True) gets them from imgsz: AVP plans for fixed sizes. */
int ir_meta_fill_inputs(ir_graph_t *g, avp_error_t *err)
{
    int64_t hw[2] = {0, 0};
    int have = g->meta[IR_META_IMGSZ] && imgsz_parse(g->meta[IR_META_IMGSZ],
                                                     hw) == 0;
    for (int i = 0; i < g->ninputs; i++) {
        ir_tensor_t *t = &g->t[g->inputs[i]];
        for (int d = 1; d < t->ndim; d++) {
            if (t->dims[d] > 0)
                continue;
            if (!have || t->ndim != 4 || d < 2)
                return avp_error_set(err, AVP_EUNSUPPORTED, "input '%s': "
                                     "dynamic dimension %d (AVP needs fixed "
                                     "sizes except the batch, or the height "
                                     "and width in ultralytics' imgsz "
                                     "metadata)", t->name, d);
            t->dims[d] = hw[d - 2];
        }
    }
    return 0;
}

/* A model that contradicts itself would label every box wrongly. */
int ir_meta_check(const infer_info_t *info, avp_error_t *err)
{
    if (info->num_names && info->num_classes &&
        info->num_names != info->num_classes)
        return avp_error_set(err, AVP_EFORMAT, "metadata 'names' lists %d "
                             "classes but the output has %d",
                             info->num_names, info->num_classes);
    return 0;
}

void ir_meta_free(ir_graph_t *g)
{
    for (int k = 0; k < IR_META_COUNT; k++) {
        avp_free(g->meta[k]);
        g->meta[k] = NULL;
    }
}
