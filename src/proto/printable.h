/* printable.h -- text from the network made safe to print on a terminal.
 *
 * A terminal obeys the control characters in what it is given: ESC [ 2 J
 * clears the screen, and the C1 control U+009B (CSI) does the same in one
 * character.  A server's log line holds a request's Origin, a client's
 * error holds a close reason or an SSE id; they come from the peer, and
 * printed as they are, a peer could move the cursor, rewrite earlier
 * lines or forge new ones on the screen of whoever watches.  So such text
 * keeps its printable characters (UTF-8 included) and shows every other
 * byte as \xHH, as web servers' access logs do.
 */
#ifndef PROTO_PRINTABLE_H
#define PROTO_PRINTABLE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the printable character at s[0..len), len >= 1, or 0 for a
 * control (C0, DEL, C1) or bytes that are not valid UTF-8 (RFC 3629). */
size_t printable_char_len(const uint8_t *s, size_t len);

/* How a byte that is not printable is shown in a payload: \n, \r, \t
 * and \0 for the controls a reader knows by those names, else \xHH.
 * out gets it, NUL-terminated; returns its length (2 or 4). */
size_t printable_escape(uint8_t c, char out[5]);

/* s[0..len) into out (cap >= 1 bytes, NUL-terminated): printable
 * characters as they are, every other byte as \xHH.  What does not fit
 * is left out, never half a character or escape.  Returns the length. */
size_t printable_text(char *out, size_t cap, const char *s, size_t len);

/* JSON text that pushlab writes (pushviz's lines, the client's events)
 * escapes more than JSON requires: also the C1 controls U+0080..U+009F
 * and the separators U+2028 and U+2029, which Python's str.splitlines and
 * JavaScript before ES2019 take for line ends.  When s[0..len) starts
 * with one of them, its bytes (2 or 3), with *code_point set; else 0. */
size_t json_extra_escape(const uint8_t *s, size_t len, unsigned *code_point);

#endif
