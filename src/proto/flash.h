/* flash.h -- the Flash XMLSocket world: the socket policy file request and
 * reply (Adobe "Setting up a socket policy file server"), and NUL-terminated
 * messages.
 *
 * Before a Flash movie could open a socket to a host, the player connected
 * and sent "<policy-file-request/>" plus a NUL byte; the server answered with
 * a <cross-domain-policy> XML document plus a NUL and closed.  Only then did
 * the movie's own connection go through, with every message ended by a NUL.
 */
#ifndef PROTO_FLASH_H
#define PROTO_FLASH_H

#include "proto.h"

#define FLASH_POLICY_REQUEST "<policy-file-request/>" /* followed by one NUL */
#define FLASH_POLICY_REQUEST_LEN 23                  /* including the NUL */

/* Does buf start with the policy request?  Returns FLASH_POLICY_REQUEST_LEN
 * when it does, PROTO_PARTIAL when buf is a proper prefix of it, PROTO_ERROR
 * (no reason) when it is something else. */
long flash_parse_policy_request(const char *buf, size_t len);

/* Write the policy XML for `port` plus its NUL into out[0..cap).  Returns
 * the length needed (NUL included); written only if that is <= cap. */
size_t flash_build_policy(char *out, size_t cap, unsigned port);

/* True when a message (without its NUL) is a policy document. */
bool flash_is_policy(struct slice msg);

/* Split the next NUL-terminated message off buf.  Returns the bytes
 * consumed (message + NUL) with *msg pointing at the message, PROTO_PARTIAL
 * when no NUL yet, PROTO_ERROR when max bytes pass with no NUL. */
long flash_next_message(const char *buf, size_t len, size_t max, struct slice *msg,
                        struct proto_err *err);

#endif
