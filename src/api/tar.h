/*
 * tar.h - POSIX ustar archives of regular files: written onto a chunked
 * reply for the exports that are one file per frame (YOLO, Pascal VOC),
 * and read back into a flat folder for their imports.
 *
 * Why not libarchive: the server only ever writes regular files of one
 * folder it just made, which is a 512-byte header per file, the bytes,
 * zero padding and two zero blocks at the end; a new library dependency
 * would be larger than this writer and reader.
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

/* Extracts the regular files of the archive at tar_path into the existing
 * folder dir, flat: each under the last component of its name, which must
 * be [A-Za-z0-9_.-] not starting with '.' (so nothing lands outside dir);
 * absolute names and names with a ".." component are refused.
 * Folder entries are skipped. AVP_EFORMAT (err names the entry) for a bad
 * checksum, a truncated archive, a link or other special entry, a name
 * that is not allowed or one that comes twice; files already extracted
 * stay for the caller to remove with the folder. */
int api__tar_extract_flat(const char *tar_path, const char *dir,
                          avp_error_t *err);

/* Removes a flat folder (its files, then itself): what api__tar_extract_flat
 * filled or an export wrote. Best effort. */
void api__tar_remove_flat(const char *dir);

#endif
