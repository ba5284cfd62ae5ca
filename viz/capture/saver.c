/* saver.c -- a helper process that creates the files `w` saves into.
 *
 * The problem: a root pushviz drops to an unprivileged user (-Z, default
 * nobody) before it parses a packet, as tcpdump does.  The -w file is
 * opened before the drop, but `w` asks for its file name later, when
 * nobody may not write into the directory pushviz was started in: the
 * user saw the capture and could not keep it.
 *
 * The answer, privilege separation as in OpenSSH: before the drop, a
 * pushviz that opens the screen (the only one that saves later) forks
 * this helper, which parses nothing and only answers "open
 * this file for writing" with a descriptor, passed back over a socket
 * pair (SCM_RIGHTS, unix(7)).  pushviz then writes the pcap into that
 * descriptor.  What the helper may open is limited, because the process
 * that asks has parsed hostile packets:
 *
 *   started with sudo   the helper becomes the user who ran sudo
 *                       (SUDO_UID, SUDO_GID) and opens any path that
 *                       user may write: no more than that user's rights.
 *   started as root     the helper stays root, so it only creates a new
 *                       file (O_EXCL: nothing is overwritten) with a
 *                       plain name (no '/') in the starting directory.
 *
 * Neither follows a symbolic link at the last component (O_NOFOLLOW).
 * The helper ends when pushviz closes its end of the socket (or dies:
 * PR_SET_PDEATHSIG).  Not root: no helper, files are opened in-process.
 */
#include "capture/saver.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The answer to a request: errno (0 on success) and the file's full path;
 * the descriptor rides along as ancillary data. */
struct saver_reply {
    int error;
    char full[PATH_MAX];
};

/* The full path of an open descriptor, from /proc. */
static void fd_path(int fd, const char *fallback, char *full, size_t cap)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, full, cap - 1);
    if (n <= 0)
        snprintf(full, cap, "%s", fallback);
    else
        full[n] = '\0';
}

/* Who the helper becomes: the sudo user, or nobody else (stays root). */
static bool become_sudo_user(void)
{
    const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
    if (!u || !g)
        return false;
    char *end;
    unsigned long uid = strtoul(u, &end, 10);
    if (*end || !*u || uid == 0)
        return false;
    unsigned long gid = strtoul(g, &end, 10);
    if (*end || !*g)
        return false;
    if (setgroups(0, NULL) != 0 || setgid((gid_t)gid) != 0 || setuid((uid_t)uid) != 0)
        _exit(1); /* half-changed identity: refuse to serve */
    return true;
}

static int helper_open(const char *path, bool as_user)
{
    if (as_user)
        return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (!path[0] || strchr(path, '/') || strcmp(path, ".") == 0 || strcmp(path, "..") == 0) {
        errno = EPERM;
        return -1;
    }
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
}

/* A message of one reply, with room for one descriptor beside it. */
struct saver_msg {
    struct saver_reply rep;
    struct iovec iov;
    struct msghdr msg;
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl; /* last: clang sees CMSG_SPACE as a variable size */
};

static void msg_init(struct saver_msg *m)
{
    memset(m, 0, sizeof *m);
    m->iov = (struct iovec){&m->rep, sizeof m->rep};
    m->msg.msg_iov = &m->iov;
    m->msg.msg_iovlen = 1;
    m->msg.msg_control = m->ctl.buf;
    m->msg.msg_controllen = sizeof m->ctl.buf;
}

static void send_reply(int sock, const struct saver_reply *rep, int fd)
{
    struct saver_msg m;
    msg_init(&m);
    m.rep = *rep;
    if (fd < 0) {
        m.msg.msg_control = NULL; /* nothing rides along */
        m.msg.msg_controllen = 0;
    } else {
        struct cmsghdr *c = CMSG_FIRSTHDR(&m.msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    while (sendmsg(sock, &m.msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

static void helper(int sock)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_IGN); /* Ctrl-C is for pushviz, which may still want to save */
    signal(SIGQUIT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    bool as_user = become_sudo_user();
    char path[PATH_MAX];
    for (;;) {
        ssize_t n = recv(sock, path, sizeof path - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0);
        path[n] = '\0';
        struct saver_reply rep = {0, ""};
        int fd = helper_open(path, as_user);
        if (fd < 0) {
            rep.error = errno;
        } else {
            fd_path(fd, path, rep.full, sizeof rep.full);
        }
        send_reply(sock, &rep, fd);
        if (fd >= 0)
            close(fd);
    }
}

int saver_start(struct saver *s, char *err, size_t errcap)
{
    s->pid = 0;
    s->sock = -1;
    if (geteuid() != 0)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errcap, "socketpair: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errcap, "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        /* Keep the terminal's three and our socket; nothing else of
         * pushviz's (a capture, a -w file) stays open here. */
        close(sv[0]);
        for (int fd = 3; fd < 1024; fd++)
            if (fd != sv[1])
                close(fd);
        helper(sv[1]);
    }
    close(sv[1]);
    s->pid = pid;
    s->sock = sv[0];
    return 0;
}

/* Ask the helper; a descriptor, or -1 with errno set. */
static int ask_helper(struct saver *s, const char *path, char *full, size_t fullcap)
{
    if (send(s->sock, path, strlen(path), MSG_NOSIGNAL) < 0)
        return -1;
    struct saver_msg m;
    msg_init(&m);
    struct saver_reply *rep = &m.rep;
    ssize_t n;
    while ((n = recvmsg(s->sock, &m.msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof *rep) {
        errno = n < 0 ? errno : EPIPE;
        return -1;
    }
    if (rep->error) {
        errno = rep->error;
        return -1;
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&m.msg);
    if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) {
        errno = EPROTO;
        return -1;
    }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    rep->full[sizeof rep->full - 1] = '\0';
    snprintf(full, fullcap, "%s", rep->full);
    return fd;
}

int saver_open(struct saver *s, const char *path, char *full, size_t fullcap, char *err, size_t errcap)
{
    int fd;
    if (s->sock >= 0) {
        fd = ask_helper(s, path, full, fullcap);
    } else {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0)
            fd_path(fd, path, full, fullcap);
    }
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST)
            snprintf(err, errcap, "%s exists: choose another name (a root pushviz overwrites nothing)", path);
        else if (e == EPERM && s->sock >= 0)
            snprintf(err, errcap, "cannot write %s: as root, give a plain file name (saved where pushviz "
                                  "started) or run pushviz with sudo", path);
        else
            snprintf(err, errcap, "cannot write %s: %s", path, strerror(e));
        return -1;
    }
    return fd;
}

void saver_stop(struct saver *s)
{
    if (s->sock >= 0)
        close(s->sock);
    if (s->pid > 0)
        waitpid(s->pid, NULL, 0);
    s->sock = -1;
    s->pid = 0;
}
