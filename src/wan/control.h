/* control.h -- how `pushlab-wan set` and `status` talk to a running relay:
 * one line asked, one text answered, over a Unix socket in /run.
 */
#ifndef WAN_CONTROL_H
#define WAN_CONTROL_H

#include <stddef.h>
#include <stdint.h>

enum { CONTROL_LINE_MAX = 512, CONTROL_REPLY_MAX = 1024 };

/* A connection whose request line the relay is reading.  The relay never
 * waits for a client (packets due meanwhile would leave late), so the
 * line is read as it comes, between packets. */
struct control_request {
    int fd;              /* the connection (non-blocking), or -1: none open */
    size_t got;          /* bytes of line read so far */
    int64_t deadline_ns; /* the caller's clock: past it, a line not whole is dropped */
    char line[CONTROL_LINE_MAX];
};

/* Listen on a Unix stream socket at path (replacing a stale one), mode
 * 0600: only root may turn the knobs.  Returns the non-blocking socket, or
 * -1 with errno set. */
int control_listen(const char *path);

/* Accept a connection on listen_fd into r (which has none open): 0, or
 * -1 when none was waiting.  The caller sets r->deadline_ns. */
int control_accept(int listen_fd, struct control_request *r);

/* Read what the client has sent so far, without waiting: 1 when its line
 * is whole (r->line, NUL-terminated, newline removed; or the client closed
 * after it), 0 when more is to come, -1 when the client closed before a
 * byte or sent a line too long (the connection is then closed: r->fd is
 * -1). */
int control_read(struct control_request *r);

/* Send text on r's connection, without waiting (an answer fits the
 * socket's buffer), and close it. */
void control_answer(struct control_request *r, const char *text);

/* Close r's connection without an answer (its line did not come in time). */
void control_drop(struct control_request *r);

/* Send line to the socket at path and read the answer into reply[cap].
 * Returns 0, or -1 with errno set (ENOENT/ECONNREFUSED: no relay). */
int control_ask(const char *path, const char *line, char *reply, size_t cap);

#endif
