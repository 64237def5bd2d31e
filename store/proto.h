/* store/proto.h: the etcd v3 gRPC JSON gateway's encodings, with no I/O
 * (private to store/, unit-tested on their own). */
#ifndef FS_ETCD_PROTO_H
#define FS_ETCD_PROTO_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/dynamic-string.h"
#include "store/etcd.h"

/* Base64 (OpenSSL EVP_EncodeBlock).  Returns a new NUL-terminated string. */
char *etcd_b64_encode(const char *data, size_t len);

/* Decodes base64 'b64' into a new buffer (NUL-terminated for convenience),
 * its length in '*len'.  Returns NULL if 'b64' is not valid base64. */
char *etcd_b64_decode(const char *b64, size_t *len);

/* The range_end that selects every key starting with 'prefix': the prefix
 * with its last byte incremented (trailing 0xff bytes dropped); "\0" (all
 * keys) if nothing is left.  Returns a new string; '*len' its length. */
char *etcd_prefix_end(const char *prefix, size_t *len);

/* An int64 field as the gateway writes it: a string ("42") or, leniently,
 * a number.  Absent or malformed: 0 (the proto3 default). */
int64_t etcd_int64(const json_t *obj, const char *field);

/* Appends 'len' bytes of a streamed body to 'buf' and calls 'fn' for every
 * complete line (without its newline); keeps the incomplete rest. */
void etcd_feed_lines(struct ds *buf, const char *data, size_t len,
                     void (*fn)(void *aux, const char *line, size_t len),
                     void *aux);

/* Calls handlers->put or ->del for each event of a watch response's
 * "events" array whose mod_revision is above 'last_rev' (etcd can repeat
 * events from an earlier response; all events of one revision, e.g. a
 * txn's, arrive in one response); returns the highest revision delivered
 * (or 'last_rev').  Events
 * whose key or value is not valid base64 are skipped. */
int64_t etcd_deliver_events(const json_t *events, int64_t last_rev,
                            const struct etcd_watch_handlers *, void *aux);

/* Decodes a "kvs" element and calls handlers->put.  Returns its
 * mod_revision, or -1 if malformed. */
int64_t etcd_deliver_kv(const json_t *kv, const struct etcd_watch_handlers *,
                        void *aux);

/* Request bodies (new references). */
json_t *etcd_range_request(const char *prefix, const char *from_key,
                           size_t from_len, int64_t revision, int64_t limit);
json_t *etcd_watch_request(const char *prefix, int64_t start_revision);

#endif /* store/proto.h */
