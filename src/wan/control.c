/* control.c -- the relay's control socket: one request line in, one
 * answer out (see relay.c for what the lines say).
 *
 * A Unix stream socket in /run/pushlab-wan is enough: the relay and the
 * `set` command run on one machine, file permissions (0600, root) decide
 * who may connect, and a path is easy to find for `pushlab-wan down`.  The
 * relay serves one request at a time; a request arrives whole within a
 * second or is dropped, so a stuck client delays the link by one second at
 * most, never forever.
 */
#include "wan/control.h"

#include <errno.h>
#include <fcntl.h>
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

/* Read until a newline, the peer's end, or cap-1 bytes. */
static int read_line(int fd, char *line, size_t cap)
{
    size_t got = 0;
    while (got + 1 < cap) {
        ssize_t n = read(fd, line + got, cap - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (memchr(line, '\n', got))
            break;
    }
    line[got] = '\0';
    char *nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    return got > 0 ? 0 : -1;
}

int control_take_request(int listen_fd, char *line, size_t cap)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return -1;
    set_timeouts(fd, 1);
    if (read_line(fd, line, cap) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

void control_answer(int fd, const char *text)
{
    size_t len = strlen(text), sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, text + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sent += (size_t)n;
    }
    close(fd);
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
