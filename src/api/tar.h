/*
 * tar.h - POSIX ustar archives of regular files, written onto a chunked
 * reply for the exports that are one file per frame (YOLO, Pascal VOC).
 * Archives are read with libarchive (gt/archive.c): what comes in is
 * anyone's zip or tar, while what goes out is only regular files of one
 * folder the server just made, a 512-byte header per file, the bytes,
 * zero padding and two zero blocks at the end, streamed as it is made.
 *
 * Thread model: a tar is written by the thread that owns its stream.
 */
#ifndef AVP_API_TAR_H
#define AVP_API_TAR_H

#include "http/http.h"

/* Appends the file at path under the archive name `name` (< 100 bytes,
 * mode 0644, mtime now). AVP_EIO when the file cannot be read or the
 * client went away, AVP_EINVAL for a name too long. */
int api__tar_add_file(http_reply_stream_t *s, const char *name,
                      const char *path, avp_error_t *err);
/* Ends the archive (two zero blocks). */
int api__tar_end(http_reply_stream_t *s);

#endif
