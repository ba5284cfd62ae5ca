/* sock.c -- TCP socket set-up for servers and clients.
 *
 * Every socket is non-blocking (the event loop must never wait in a system
 * call) and has TCP_NODELAY: push traffic is made of small messages that
 * should leave at once, not wait for Nagle's algorithm to batch them.
 */
#include "net/sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void sock_format(const struct sockaddr *sa, char out[SOCK_ADDR_MAX])
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
        snprintf(out, SOCK_ADDR_MAX, "[%s]:%u", host, ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
        snprintf(out, SOCK_ADDR_MAX, "%s:%u", host, ntohs(s4->sin_port));
    }
}

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int sock_address(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len, const char **why)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (port < 0 || port > 65535) {
        *why = "port out of range (0-65535)";
        errno = EINVAL;
        return -1;
    }
    /* Numeric addresses only: a server binds where it is told, no lookups. */
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        *len = sizeof *s4;
    } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        *len = sizeof *s6;
    } else if (strcmp(host, "localhost") == 0) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof *s4;
    } else {
        *why = "not a numeric IPv4 or IPv6 address, nor localhost";
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int sock_listen(const char *host, int port, int backlog, char bound[SOCK_ADDR_MAX], int *port_out,
                const char **why)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (sock_address(host, port, &ss, &len, why) < 0)
        return -1;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *why = "socket";
        return -1;
    }
    int one = 1;
    /* Lets a restarted server bind at once while old connections linger
     * in TIME_WAIT. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET6) {
        /* "::" is dual stack: IPv4 peers arrive as ::ffff:a.b.c.d (RFC 4291
         * §2.5.5.2).  Set either way, so net.ipv6.bindv6only cannot change
         * what -b means; any other IPv6 address is IPv6 only. */
        int v6only = !IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
        *why = errno == EADDRINUSE ? "is another server running?" : "bind"; /* errno says the rest */
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (listen(fd, backlog) < 0) {
        *why = "listen";
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    sock_format((struct sockaddr *)&ss, bound);
    *port_out = ntohs(ss.ss_family == AF_INET6 ? s6->sin6_port : s4->sin_port);
    return fd;
}

int sock_accept(int listen_fd, char *peer)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd;
    do
        fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    set_nodelay(fd);
    if (peer)
        sock_format((struct sockaddr *)&ss, peer);
    return fd;
}

unsigned sock_retransmit_timeout_ms(int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0 || len < offsetof(struct tcp_info, tcpi_ato))
        return 0;
    return info.tcpi_rto / 1000; /* microseconds */
}

/* Bind fd to 127.0.0.N before it connects to a loopback address.  The
 * port is left to connect() (IP_BIND_ADDRESS_NO_PORT): a bind with port 0
 * would reserve a port for every destination at once and run out sooner. */
static int bind_loopback_source(int fd, const struct addrinfo *ai, unsigned n)
{
    const struct sockaddr_in *to = (const struct sockaddr_in *)ai->ai_addr;
    if (n == 0 || ai->ai_family != AF_INET || (ntohl(to->sin_addr.s_addr) >> 24) != 127)
        return 0;
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in from = {.sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(0x7f000000u | (n & 0xffffffu))};
    return bind(fd, (const struct sockaddr *)&from, sizeof from);
}

/* Write "STEP (what errno err says)" into why; returns -1 for sock_connect. */
static int connect_failed(char why[SOCK_WHY_MAX], const char *step, int err)
{
    snprintf(why, SOCK_WHY_MAX, "%s (%s)", step, strerror(err));
    return -1;
}

int sock_connect(const char *host, int port, int nth, unsigned loopback_source, char why[SOCK_WHY_MAX])
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    /* getaddrinfo answers with codes of its own (EAI_NONAME...), which
     * only gai_strerror can name; EAI_SYSTEM means "see errno". */
    int gai = getaddrinfo(host, service, &hints, &res);
    if (gai == EAI_SYSTEM)
        return connect_failed(why, "cannot resolve host", errno);
    if (gai != 0) {
        snprintf(why, SOCK_WHY_MAX, "cannot resolve host (%s)", gai_strerror(gai));
        return -1;
    }
    const struct addrinfo *ai = res;
    for (int i = 0; ai && i < nth; i++)
        ai = ai->ai_next;
    if (!ai) {
        snprintf(why, SOCK_WHY_MAX, "no more addresses");
        freeaddrinfo(res);
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int saved = errno;
        freeaddrinfo(res);
        return connect_failed(why, "socket", saved);
    }
    set_nodelay(fd);
    if (bind_loopback_source(fd, ai, loopback_source) < 0) {
        int saved = errno;
        freeaddrinfo(res);
        close(fd);
        return connect_failed(why, "bind to the source address", saved);
    }
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(res);
    if (rc < 0 && errno != EINPROGRESS) {
        int saved = errno;
        close(fd);
        return connect_failed(why, "connect", saved);
    }
    return fd;
}

int sock_connect_result(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return errno;
    return err;
}
