/* sock.h -- TCP sockets: listening (IPv4 and IPv6), accepting and
 * connecting, all non-blocking. */
#ifndef NET_SOCK_H
#define NET_SOCK_H

#include <stddef.h>
#include <sys/socket.h>

#define SOCK_ADDR_MAX 64 /* "[ipv6]:port" with room to spare */
#define SOCK_WHY_MAX 128 /* sock_connect's reason: a step and its error */

/* The socket address of host:port, as sock_listen reads them: host a
 * numeric IPv4 or IPv6 address, or "localhost" (127.0.0.1).  0, or -1
 * with a reason in *why (static string). */
int sock_address(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len, const char **why);

/* Listen on host:port ("127.0.0.1", "::1", "0.0.0.0", "::"; port 0 picks a
 * free port).  "::" is dual stack (IPv4 peers too), other IPv6 addresses
 * IPv6 only.  Returns the listening fd (non-blocking, SO_REUSEADDR) and
 * writes the bound address as "HOST:PORT" ("[HOST]:PORT" for IPv6) into
 * bound[0..SOCK_ADDR_MAX) and the port into *port.  -1 with a reason in
 * *why (static string) and errno set. */
int sock_listen(const char *host, int port, int backlog, char bound[SOCK_ADDR_MAX], int *port_out,
                const char **why);

/* Accept one connection: non-blocking, close-on-exec, TCP_NODELAY.  Returns
 * the fd, or -1 with errno (EAGAIN when none is waiting).  The peer's
 * address is written into peer[0..SOCK_ADDR_MAX) when peer is not NULL. */
int sock_accept(int listen_fd, char *peer);

/* How long the kernel waits for an ACK before it sends a segment of
 * connection fd again (its retransmission timeout, RFC 6298 §2, from the
 * round trips measured so far: at least 200 ms on Linux), in ms; 0 when
 * not known.  What a server waits for may be late by this much when the
 * first copy was lost. */
unsigned sock_retransmit_timeout_ms(int fd);

/* Start a non-blocking connect to the nth (0-based) address host:port
 * resolves to (numeric, or a name resolved with getaddrinfo, which may
 * block briefly: clients only).  A name may have several ("localhost" is
 * often ::1 and 127.0.0.1), in getaddrinfo's order of preference (RFC 6724
 * §6); a client whose connect to one fails tries the next.
 * loopback_source: 0, or the last byte of a source address 127.0.0.N to
 * connect from when the address is IPv4 loopback (ignored otherwise).  A
 * TCP connection is told apart by its source and destination address and
 * port, so to one server port a source address has at most the ephemeral
 * port range (about 28,000) of connections; more sources, more clients.
 * Returns the fd (connection in progress: wait for LOOP_WRITE, then
 * sock_connect_result), or -1 with the whole reason written into
 * why[0..SOCK_WHY_MAX): the step that failed and its errno ("connect
 * (Network is unreachable)"), the resolver's own answer ("cannot resolve
 * host (Name or service not known)", which is no errno: getaddrinfo has
 * codes of its own), or "no more addresses" when there is no nth. */
int sock_connect(const char *host, int port, int nth, unsigned loopback_source, char why[SOCK_WHY_MAX]);

/* After LOOP_WRITE on a connecting fd: 0 when connected, else the errno of
 * the failure (ECONNREFUSED...). */
int sock_connect_result(int fd);

/* Format a socket address as "HOST:PORT" or "[HOST]:PORT". */
void sock_format(const struct sockaddr *sa, char out[SOCK_ADDR_MAX]);

#endif
