/* saver.h -- files to save captures in, opened with the rights of the
 * user who started pushviz, after pushviz itself has given them up. */
#ifndef VIZ_SAVER_H
#define VIZ_SAVER_H

#include <stddef.h>
#include <sys/types.h>

struct saver {
    pid_t pid; /* the helper process, or 0: files are opened in-process */
    int sock;  /* our end of the socket to it, or -1 */
};

/* Before dropping root: start the helper (see saver.c for who it runs
 * as and what it will open).  Not root: nothing to do.  0, or -1 with a
 * message. */
int saver_start(struct saver *s, char *err, size_t errcap);

/* Create path for writing.  A descriptor (the caller's to close), and the
 * file's full path in full; or -1 with a message. */
int saver_open(struct saver *s, const char *path, char *full, size_t fullcap, char *err, size_t errcap);

/* End the helper. */
void saver_stop(struct saver *s);

#endif
