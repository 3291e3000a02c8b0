/*
 * tar.h - a POSIX ustar archive of regular files written onto a chunked
 * reply, for the exports that are one file per frame (YOLO, Pascal VOC).
 *
 * Why not libarchive: the server only ever writes regular files of one
 * folder it just made, which is a 512-byte header per file, the bytes,
 * zero padding and two zero blocks at the end; a new library dependency
 * would be larger than this writer.
 *
 * Thread model: a tar is written by the thread that owns its stream.
 */
#ifndef AVP_SERVER_TAR_H
#define AVP_SERVER_TAR_H

#include "server/reply.h"

/* Appends the file at path under the archive name `name` (< 100 bytes,
 * mode 0644, mtime now). AVP_EIO when the file cannot be read or the
 * client went away, AVP_EINVAL for a name too long. */
int tar_add_file(reply_stream_t *s, const char *name, const char *path,
                 avp_error_t *err);
/* Ends the archive (two zero blocks). */
int tar_end(reply_stream_t *s);

#endif
