/* gzfile.h -- a gzip-compressed capture file, read through a FILE. */
#ifndef VIZ_GZFILE_H
#define VIZ_GZFILE_H

#include <stdbool.h>
#include <stdio.h>

/* Does the file fp is open on start with gzip's magic (RFC 1952 §2.3.1)?
 * Nothing is read from fp itself; false for a pipe or FIFO. */
bool gzfile_is_gzip(FILE *fp);

/* A FILE that gives the decompressed bytes of the gzip file at path
 * (NULL with errno set when it cannot be opened).  fclose closes it. */
FILE *gzfile_open(const char *path);

#endif
