/* control.c -- the relay's control socket: one request line in, one
 * answer out (see relay.c for what the lines say).
 *
 * A Unix stream socket in /run/pushlab-wan is enough: the relay and the
 * `set` command run on one machine, file permissions (0600, root) decide
 * who may connect, and a path is easy to find for `pushlab-wan down`.  The
 * relay serves one request at a time, and never waits for it: the line is
 * read as its bytes come, in the relay's loop between packets, and a line
 * not whole within a second is dropped.  (A relay that waited for a slow
 * client -- one the busy machine did not run between its connect and its
 * send -- held every packet due meanwhile: 95 ms once, under load.)
 */
#include "wan/control.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* Fill a sockaddr_un with path; -1 (ENAMETOOLONG) when it does not fit. */
static int unix_address(const char *path, struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path)
        return errno = ENAMETOOLONG, -1;
    strcpy(a->sun_path, path); /* length checked above */
    return 0;
}

/* control_ask's side may wait: it is a command, not the link. */
static void set_timeouts(int fd, int seconds)
{
    struct timeval tv = {seconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int control_listen(const char *path)
{
    struct sockaddr_un a;
    if (unix_address(path, &a) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    unlink(path); /* a socket file left by a relay that was killed */
    mode_t old = umask(077);
    int r = bind(fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (r < 0 || listen(fd, 4) < 0) {
        int e = errno;
        close(fd);
        return errno = e, -1;
    }
    return fd;
}

int control_accept(int listen_fd, struct control_request *r)
{
    r->fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    r->got = 0;
    return r->fd < 0 ? -1 : 0;
}

void control_drop(struct control_request *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

int control_read(struct control_request *r)
{
    for (;;) {
        if (r->got + 1 >= sizeof r->line) { /* no newline in a line's room: not a request */
            control_drop(r);
            return -1;
        }
        ssize_t n = read(r->fd, r->line + r->got, sizeof r->line - 1 - r->got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n == 0 && r->got > 0) { /* closed after a line without its newline */
            r->line[r->got] = '\0';
            return 1;
        }
        if (n <= 0) { /* closed (or failed) before a byte came */
            control_drop(r);
            return -1;
        }
        char *nl = memchr(r->line + r->got, '\n', (size_t)n);
        r->got += (size_t)n;
        if (nl) {
            *nl = '\0';
            return 1;
        }
    }
}

void control_answer(struct control_request *r, const char *text)
{
    size_t len = strlen(text), sent = 0;
    while (sent < len) {
        ssize_t n = send(r->fd, text + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    control_drop(r);
}

int control_ask(const char *path, const char *line, char *reply, size_t cap)
{
    struct sockaddr_un a;
    if (unix_address(path, &a) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    set_timeouts(fd, 3);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        send(fd, line, strlen(line), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
        int e = errno;
        close(fd);
        return errno = e, -1;
    }
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, reply + got, cap - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || (got += (size_t)n) + 1 >= cap)
            break;
    }
    reply[got] = '\0';
    close(fd);
    return got ? 0 : (errno = EPROTO, -1);
}
