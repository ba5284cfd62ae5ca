/* h2c_settings.c -- the HTTP2-Settings field of an h2c upgrade request
 * (RFC 7540 §3.2.1), decoded and shown as a SETTINGS frame's settings.
 *
 * A client that asks in HTTP/1.1 to switch to HTTP/2 (`Upgrade: h2c`,
 * as `curl --http2` does on an http:// URL) cannot send its SETTINGS
 * frame yet, so it sends the frame's payload in this field instead, in
 * base64url without padding: "AAMAAABkAAQCAAAAAAIAAAAA" is the 18 bytes
 * of three settings, MAX_CONCURRENT_STREAMS=100,
 * INITIAL_WINDOW_SIZE=33554432, ENABLE_PUSH=0.  A server that switches
 * acts as if it had received them in a SETTINGS frame, the client's
 * first.  The field is also why `Connection: Upgrade, HTTP2-Settings`
 * names it: it is about this hop only, and no proxy may pass it on.
 *
 * Left out: the settings change nothing of how pushviz reads the
 * connection, which follows none of SETTINGS frames either (the HPACK
 * table, the frame size and the windows are the peers' business: an
 * onlooker reads what they send).
 */
#include "dissect/h2c_settings.h"

#include <stdio.h>

#include "proto/base64.h"
#include "proto/h2_frame.h"

const char *h2c_settings_field(const struct http_header *hs, size_t n, bool cut, struct item *it,
                               char *why, size_t cap)
{
    size_t fields = http_header_count(hs, n, "HTTP2-Settings");
    if (fields == 0) {
        if (cut)
            return NULL; /* its line may be in the part the gap took */
        snprintf(why, cap, "no HTTP2-Settings field: a server must not switch to h2c (RFC 7540 §3.2.1)");
        return why;
    }
    const struct slice *v = http_header_find(hs, n, "HTTP2-Settings");
    uint8_t payload[VIZ_H2C_SETTINGS * H2_SETTING_LEN];
    if (v->len > BASE64URL_LEN(sizeof payload)) {
        snprintf(why, cap, "HTTP2-Settings holds more than the %d settings pushviz reads: not shown",
                 VIZ_H2C_SETTINGS);
        return why;
    }
    long len = base64url_decode(v->ptr, v->len, payload, sizeof payload);
    if (len < 0) {
        snprintf(why, cap, "HTTP2-Settings is not base64url without padding (RFC 7540 §3.2.1): not decoded");
        return why;
    }
    if (len % H2_SETTING_LEN) { /* as a SETTINGS frame of that length would be (RFC 9113 §6.5) */
        snprintf(why, cap, "HTTP2-Settings decodes to %ld bytes, not whole 6-byte settings (RFC 7540 §3.2.1)",
                 len);
        return why;
    }
    char text[VIZ_SETTINGS_TEXT];
    size_t shown = h2_settings_text(payload, (size_t)len, text, sizeof text);
    if (shown)
        item_add_text(it, "settings", text, shown);
    if (fields > 1) {
        snprintf(why, cap, "%zu HTTP2-Settings fields: a server must not switch to h2c (RFC 7540 §3.2.1)",
                 fields);
        return why;
    }
    return NULL;
}
