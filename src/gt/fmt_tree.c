/* fmt_tree.c - ground truth from a folder tree, as an archive of a tool's
 * export extracts: the format's file or folder is looked for by name, and
 * must be the only one, so that nothing is picked by guesswork. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct found {
    char **v; /* paths relative to the root */
    size_t n, cap;
    gt_format_t f;
    char *yaml; /* the first data.yaml (YOLO), relative to the root */
    int nyaml;
} found_t;

static void add(found_t *s, const char *rel)
{
    if (s->n && !strcmp(s->v[s->n - 1], rel))
        return; /* the folder of the previous frame file */
    if (s->n == 64)
        return; /* enough to say there is more than one */
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = avp_realloc(s->v, s->cap * sizeof(char *));
    }
    s->v[s->n++] = avp_strdup(rel);
}

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), e = strlen(end);
    return n >= e && !strcmp(s + n - e, end);
}

/* A file of folder rel ("" for the root) named name: what the format
 * looks for, as the file (CVAT, MOT, COCO, AVP) or its folder (YOLO's
 * label files, VOC's XML files; lists like train.txt are not frames). */
int gt__is_list_file(const char *name)
{
    static const char *const lists[] = {"classes.txt", "train.txt",
                                        "val.txt", "valid.txt", "test.txt"};
    int list = 0;
    for (size_t i = 0; i < AVP_ARRAY_LEN(lists); i++)
        list |= !strcmp(name, lists[i]);
    return list;
}

static void match(found_t *s, const char *rel, const char *name)
{
    char path[4096 + 512];
    snprintf(path, sizeof path, "%.2000s%s%s", rel, *rel ? "/" : "", name);
    int list = gt__is_list_file(name);
    switch (s->f) {
    case GT_FORMAT_CVAT: if (!strcmp(name, "annotations.xml")) add(s, path);
                         break;
    case GT_FORMAT_MOT: if (!strcmp(name, "gt.txt")) add(s, path); break;
    case GT_FORMAT_COCO: case GT_FORMAT_AVP: case GT_FORMAT_DATUMARO:
        if (ends_with(name, ".json")) add(s, path);
        break;
    case GT_FORMAT_YOLO:
        if (ends_with(name, ".txt") && !list)
            add(s, rel);
        if (!strcmp(name, "data.yaml") && !s->nyaml++)
            s->yaml = avp_strdup(path);
        break;
    case GT_FORMAT_VOC: if (ends_with(name, ".xml")) add(s, rel); break;
    }
}

/* Visits the regular files under root/rel in name order (links are
 * neither followed nor matched); depth bounds the recursion. */
static void walk(found_t *s, const char *root, const char *rel, int depth)
{
    char dir[4096], sub[4096 + 512];
    snprintf(dir, sizeof dir, "%.2000s%s%.2000s", root, *rel ? "/" : "",
             rel);
    struct dirent **e;
    int n = scandir(dir, &e, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        struct stat st;
        snprintf(sub, sizeof sub, "%s/%s", dir, e[i]->d_name);
        if (e[i]->d_name[0] != '.' && lstat(sub, &st) == 0) {
            if (S_ISREG(st.st_mode))
                match(s, rel, e[i]->d_name);
            snprintf(sub, sizeof sub, "%.2000s%s%s", rel, *rel ? "/" : "",
                     e[i]->d_name);
            if (S_ISDIR(st.st_mode) && depth < 16 && strlen(sub) < 2000)
                walk(s, root, sub, depth + 1);
        }
        free(e[i]);
    }
    free(n >= 0 ? e : NULL);
}

static const char *const wanted[] = {
    [GT_FORMAT_AVP] = ".json file", [GT_FORMAT_COCO] = ".json file",
    [GT_FORMAT_YOLO] = "folder of .txt label files",
    [GT_FORMAT_VOC] = "folder of .xml files",
    [GT_FORMAT_CVAT] = "annotations.xml", [GT_FORMAT_MOT] = "gt.txt",
    [GT_FORMAT_DATUMARO] = ".json file"};

/* Folders above rel inside the tree (YOLO's data.yaml is looked for no
 * higher: above the root are the caller's folders). */
static int depth_of(const char *rel)
{
    int d = *rel ? 1 : 0;
    for (const char *p = rel; *p; p++)
        d += *p == '/';
    return d;
}

static int import_one(gt_format_t f, const char *dir, const char *rel,
                      const gt_io_options_t *o, gt_t **out, avp_error_t *err)
{
    char path[4096 + 512];
    gt_io_options_t copy = o ? *o : (gt_io_options_t){0};
    int up = depth_of(rel);
    copy.yaml_levels_up = up < 2 ? up : 2;
    snprintf(path, sizeof path, "%.2000s%s%.2000s", dir, *rel ? "/" : "",
             rel);
    if (gt_is_archive(path)) /* a zip of zips could nest without end */
        return avp_error_set(err, AVP_EFORMAT, "%s: an archive inside the "
                             "archive", rel);
    int rc = gt_import(f, path, &copy, out, err);
    /* Messages name the file inside the tree, not where it was put. */
    size_t n = strlen(dir);
    if (rc < 0 && !strncmp(err->msg, dir, n) && err->msg[n] == '/')
        memmove(err->msg, err->msg + n + 1, strlen(err->msg + n + 1) + 1);
    return rc;
}

/* The split a data.yaml value names: its last folder other than ".",
 * ".." and "images" ("../valid/images" -> "valid", "images/val" ->
 * "val"), into out. */
static void split_of(const char *value, char *out, size_t size)
{
    *out = '\0';
    for (const char *p = value; *p;) {
        size_t k = strcspn(p, "/");
        if (k && strncmp(p, ".", k) && strncmp(p, "..", k > 2 ? 2 : k) &&
            !(k == 6 && !strncmp(p, "images", 6)))
            snprintf(out, size, "%.*s", (int)k, p);
        p += k + (p[k] == '/');
    }
}

/* 1 if a folder of rel is named name. */
static int has_component(const char *rel, const char *name)
{
    size_t k = strlen(name);
    for (const char *p = rel; (p = strstr(p, name)); p++)
        if ((p == rel || p[-1] == '/') && (!p[k] || p[k] == '/'))
            return 1;
    return 0;
}

/* o->split of a dataset with splits: a YOLO list of images when the
 * data.yaml says `split: x.txt`, else the one folder of frame files under
 * a folder named after the split (the data.yaml's own name for it when it
 * gives one: Roboflow's `val: ../valid/images`). Leaves s->v[0] the one
 * chosen. */
static int pick_split(found_t *s, const char *dir, const char *split,
                      char *value, size_t size, avp_error_t *err)
{
    char path[4096 + 512], *v = NULL;
    int rc = AVP_OK;
    snprintf(value, size, "%s", split);
    if (s->nyaml == 1) {
        snprintf(path, sizeof path, "%.2000s/%.2000s", dir, s->yaml);
        rc = gt__yaml_value(path, split, &v, err);
    }
    if (v && ends_with(v, ".txt"))
        snprintf(value, size, "%s", v);
    else if (v)
        split_of(v, value, size);
    avp_free(v);
    if (rc < 0 || ends_with(value, ".txt"))
        return rc;
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (has_component(s->v[i], value) || has_component(s->v[i], split))
            s->v[m++] = s->v[i];
        else
            avp_free(s->v[i]);
    s->n = m;
    return AVP_OK;
}

int gt_import_tree(gt_format_t f, const char *dir, const gt_io_options_t *o,
                   gt_t **out, avp_error_t *err)
{
    found_t s = {.f = f};
    *out = NULL;
    if ((unsigned)f >= AVP_ARRAY_LEN(wanted))
        return avp_error_set(err, AVP_EINVAL, "unknown format %d", (int)f);
    walk(&s, dir, "", 0);
    char list[512] = "";
    /* A folder met again after a subfolder came in between. */
    for (size_t i = 1; i < s.n; i++)
        for (size_t j = 0; j < i; j++)
            if (s.v[j] && s.v[i] && !strcmp(s.v[i], s.v[j]))
                avp_free(s.v[i]), s.v[i] = NULL;
    size_t m = 0;
    for (size_t i = 0; i < s.n; i++)
        if (s.v[i])
            s.v[m++] = s.v[i];
    s.n = m;
    char split[1024] = "", yaml_dir[2048] = ".";
    int rc = AVP_OK, splits = f == GT_FORMAT_YOLO || f == GT_FORMAT_VOC;
    if (o && o->split && splits)
        rc = pick_split(&s, dir, o->split, split, sizeof split, err);
    if (s.yaml && strrchr(s.yaml, '/'))
        snprintf(yaml_dir, sizeof yaml_dir, "%s/%.*s", dir,
                 (int)(strrchr(s.yaml, '/') - s.yaml), s.yaml);
    else
        snprintf(yaml_dir, sizeof yaml_dir, "%s", dir);
    for (size_t i = 0; i < s.n && i < 3; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i ? ", " : ": ", *s.v[i] ? s.v[i] : ".");
    if (rc == AVP_OK && ends_with(split, ".txt"))
        rc = gt__import_yolo_list(yaml_dir, split, o, out, err);
    else if (rc == AVP_OK)
        rc = s.n == 1 ? import_one(f, dir, s.v[0], o, out, err)
             : avp_error_set(err, AVP_EFORMAT, "expected one %s for %s%s%s, "
                             "found %zu%s%s%s", wanted[f], gt_format_name(f),
                             *split ? " in split " : "", split, s.n, list,
                             s.n > 3 ? ", ..." : "", s.n > 1 && splits &&
                             !*split ? " (choose one with split: avp gt "
                             "convert --split NAME, ?split=NAME)" : "");
    for (size_t i = 0; i < s.n; i++)
        avp_free(s.v[i]);
    avp_free(s.v);
    avp_free(s.yaml);
    return rc;
}
