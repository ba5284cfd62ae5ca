/* server.h -- the skeleton every pushlab server shares.
 *
 * A technique (one file in src/servers/) fills in a `struct technique`
 * and calls server_main().  The skeleton parses the common flags of
 * DESIGN.md, listens, prints "listening on ADDR:PORT", runs the event hub
 * and its ticks, accepts connections, speaks HTTP (lab/httpd.h: the demo
 * page, POST /send, errors, keep-alive) and hands the technique only what
 * is special about it: its own requests, or for non-HTTP protocols the raw
 * connection.  SIGINT/SIGTERM end the loop; connections are closed
 * cleanly and the program exits 0.
 */
#ifndef LAB_SERVER_H
#define LAB_SERVER_H

#include "lab/log.h"
#include "lab/technique.h"

/* Parse flags, listen, run until SIGINT/SIGTERM.  Returns the exit code.
 * Everything the server says (the listening line, --help, errors, log
 * lines) goes to sinks, borrowed until it returns. */
int server_main(int argc, char **argv, const struct technique *tech,
                const struct server_sinks *sinks);

#endif
