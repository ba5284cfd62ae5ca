/* control.h -- how `pushlab-wan set` and `status` talk to a running relay:
 * one line asked, one text answered, over a Unix socket in /run.
 */
#ifndef WAN_CONTROL_H
#define WAN_CONTROL_H

#include <stddef.h>

enum { CONTROL_LINE_MAX = 512, CONTROL_REPLY_MAX = 1024 };

/* Listen on a Unix stream socket at path (replacing a stale one), mode
 * 0600: only root may turn the knobs.  Returns the non-blocking socket, or
 * -1 with errno set. */
int control_listen(const char *path);

/* Accept one request on listen_fd and read its line into line[cap]
 * (NUL-terminated, newline removed).  Waits at most a second for the line.
 * Returns the connection to answer with control_answer(), or -1. */
int control_take_request(int listen_fd, char *line, size_t cap);

/* Send text on a connection from control_take_request() and close it. */
void control_answer(int fd, const char *text);

/* Send line to the socket at path and read the answer into reply[cap].
 * Returns 0, or -1 with errno set (ENOENT/ECONNREFUSED: no relay). */
int control_ask(const char *path, const char *line, char *reply, size_t cap);

#endif
