/* stdio_sinks.h -- where a pushlab server program's words go: what the
 * skeleton (src/lab) has to say for stdout and stderr, written there.
 *
 * The libraries never print (docs/design.md); each program in this folder
 * passes these sinks to server_main.  stdout is flushed at once: scripts
 * wait for the "listening on ADDR:PORT" line on a pipe.  Included by the
 * one file of each program, so the definitions are static.
 */
#ifndef SERVERS_STDIO_SINKS_H
#define SERVERS_STDIO_SINKS_H

#include <stdio.h>

#include "lab/technique.h"

static void stdio_sinks_out(const char *text)
{
    fputs(text, stdout);
    fflush(stdout);
}

static void stdio_sinks_err(const char *text) { fputs(text, stderr); }

static const struct server_sinks stdio_sinks = {.out = stdio_sinks_out, .err = stdio_sinks_err};

#endif
