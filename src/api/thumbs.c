/* thumbs.c - the bound of the thumbnail folder (api/internal.h). Any
 * member may ask for a thumbnail of every frame of every video, each a
 * file of ~10-30 KB kept under <data>/thumbs, so without a bound a client
 * walking ?frame= fills the disk. A file's mtime is its last use (a hit
 * touches it), and a trim removes the least recently used files past the
 * bound. The folder is the only record, so the bound holds across
 * restarts and for every server sharing the data directory. */
#include "api/internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct thumb_file {
    struct timespec used;
    char name[NAME_MAX + 1];
} thumb_file_t;

void api__thumbs_touch(const char *path)
{
    utimensat(AT_FDCWD, path, NULL, 0);
}

static int older(const void *a, const void *b)
{
    const struct timespec *x = &((const thumb_file_t *)a)->used;
    const struct timespec *y = &((const thumb_file_t *)b)->used;
    if (x->tv_sec != y->tv_sec)
        return x->tv_sec < y->tv_sec ? -1 : 1;
    return (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

/* The thumbnails of dir (names starting with a dot are files being made)
 * in a new array; *n is their count. */
static thumb_file_t *list_thumbs(const char *dir, size_t *n)
{
    char path[PATH_MAX + NAME_MAX + 2];
    thumb_file_t *v = NULL;
    size_t cap = 0;
    struct stat st;
    DIR *d = opendir(dir);
    *n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            v = avp_realloc(v, cap * sizeof *v);
        }
        v[*n].used = st.st_mtim;
        snprintf(v[*n].name, sizeof v[*n].name, "%s", e->d_name);
        (*n)++;
    }
    if (d)
        closedir(d);
    return v;
}

size_t api__thumbs_trim(const char *dir, size_t max)
{
    /* One trim at a time: two would each remove the oldest files they
     * listed, twice as many as needed. */
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    char path[PATH_MAX + NAME_MAX + 2];
    size_t n, removed = 0;
    pthread_mutex_lock(&lock);
    thumb_file_t *v = list_thumbs(dir, &n);
    if (n > max) {
        qsort(v, n, sizeof *v, older);
        for (size_t i = 0; i < n - max; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
            removed += unlink(path) == 0;
        }
    }
    pthread_mutex_unlock(&lock);
    avp_free(v);
    return removed;
}
