/* gzfile.h -- a gzip-compressed capture, read through a FILE. */
#ifndef VIZ_GZFILE_H
#define VIZ_GZFILE_H

#include <stdbool.h>
#include <stdio.h>

/* Does fp's next byte start a gzip member (RFC 1952 §2.3.1)?  The byte is
 * read and put back, so this works on a pipe too; call it before anything
 * else reads fp (but after setvbuf). */
bool gzfile_is_gzip(FILE *fp);

/* A FILE that gives the decompressed bytes of the gzip stream read from
 * in, which it closes when it is closed (unless in is stdin), or NULL
 * with errno set (in is then left open). */
FILE *gzfile_inflating(FILE *in);

#endif
