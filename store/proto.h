/* store/proto.h: the etcd v3 gRPC JSON gateway's encodings, with no I/O
 * (private to store/, unit-tested on their own by
 * tests/unit/test_etcd_proto.c).
 *
 * Gateway facts (etcd 3.4): keys and values are base64; int64 fields are
 * decimal strings; fields at their default value are omitted; a streamed
 * reply is one JSON object per line, {"result":{...}} or a last
 * {"error":{...}}; a unary error reply is {"error":"...","message":"...",
 * "code":N} with a non-200 status.  Field names follow etcd's
 * api/etcdserverpb/rpc.proto. */
#ifndef FS_ETCD_PROTO_H
#define FS_ETCD_PROTO_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/dynamic-string.h"
#include "store/etcd.h"

/* Base64 of 'len' bytes at 'data' (OpenSSL EVP_EncodeBlock, with padding).
 * Returns a new NUL-terminated string. */
char *etcd_b64_encode(const char *data, size_t len);

/* Decodes base64 'b64' (padded, as the gateway writes it) into a new buffer,
 * NUL-terminated for convenience, its length without the padding bytes in
 * '*len'.  Returns NULL if 'b64' is not valid base64. */
char *etcd_b64_decode(const char *b64, size_t *len);

/* The range_end that selects every key starting with 'prefix': the prefix
 * with its last byte incremented, trailing 0xff bytes dropped first
 * (etcd's clientv3.GetPrefixRangeEnd rule); "\0" (every key) if nothing is
 * left.  Returns a new string, '*len' its length in bytes. */
char *etcd_prefix_end(const char *prefix, size_t *len);

/* etcd_int64(), which reads the gateway's int64 fields, is public: see
 * store/etcd.h. */

/* A new JSON string holding 'n' in decimal, the gateway's int64 form. */
json_t *etcd_int64_json(int64_t n);

/* A new JSON string holding the base64 of 'len' bytes at 'data'. */
json_t *etcd_b64_json(const char *data, size_t len);

/* Appends 'len' bytes of a streamed body to 'buf' and calls 'fn' for every
 * complete non-empty line (without its newline), in order; keeps the
 * incomplete rest in 'buf' for the next chunk.  'fn' returns false to stop:
 * the lines not yet handed over are then dropped, and so is the rest. */
void etcd_feed_lines(struct ds *buf, const char *data, size_t len,
                     bool (*fn)(void *aux, const char *line, size_t len),
                     void *aux);

/* Calls handlers->put or ->del for each event of a watch response's
 * "events" array whose kv.mod_revision is above 'last_rev', the highest
 * revision delivered by earlier responses (etcd 3.4.23 can repeat events
 * from an earlier response; all events of one revision, e.g. a txn's,
 * arrive in one response, so they are compared with 'last_rev', not with
 * each other).  An event without "type" is a PUT ("DELETE" is a delete).
 * Events whose key or value is not valid base64, or whose key is empty, are
 * skipped.  Returns the highest revision delivered, or 'last_rev'. */
int64_t etcd_deliver_events(const json_t *events, int64_t last_rev,
                            const struct etcd_watch_handlers *, void *aux);

/* Decodes one mvccpb.KeyValue ('kv', a "kvs" element or an event's "kv")
 * and calls handlers->put.  Returns its mod_revision, or -1 if malformed
 * (then nothing is called). */
int64_t etcd_deliver_kv(const json_t *kv, const struct etcd_watch_handlers *,
                        void *aux);

/* One page of a range reply ('reply' is the decoded RangeResponse). */
struct etcd_range_page {
    int64_t revision;  /* header.revision: the store's revision. */
    const json_t *kvs; /* Borrowed "kvs" array; NULL when empty. */
    bool more;         /* More keys follow in the range. */
    char *next_key;    /* When 'more': last key + "\0", where the next page
                        * starts (new, 'next_len' bytes); else NULL. */
    size_t next_len;
};

/* Fills 'page' from 'reply'.  Returns false, with 'page->next_key' NULL, if
 * 'more' is set but the last key cannot be decoded. */
bool etcd_parse_range(const json_t *reply, struct etcd_range_page *page);

/* What one line of a /v3/watch stream says. */
enum etcd_watch_kind {
    ETCD_WATCH_EVENTS,    /* A result: 'created' and/or 'events'. */
    ETCD_WATCH_COMPACTED, /* The start revision was compacted: relist. */
    ETCD_WATCH_ERROR,     /* An error line, a cancel or unparseable text. */
};

struct etcd_watch_msg {
    enum etcd_watch_kind kind;
    bool created;             /* The "created" response of the watch. */
    int64_t revision;         /* header.revision (0 if absent). */
    int64_t compact_revision; /* ETCD_WATCH_COMPACTED: etcd's, if given. */
    const json_t *events;     /* Borrowed from 'root'; NULL when none. */
    char *error;              /* ETCD_WATCH_ERROR, COMPACTED: new text. */
    json_t *root;             /* The decoded line (owned). */
};

/* Parses one line of a watch stream into 'msg' (free it with
 * etcd_watch_msg_destroy()).  A result with "compact_revision", or an error
 * or cancel whose message says the revision was compacted, is
 * ETCD_WATCH_COMPACTED. */
void etcd_parse_watch_line(const char *line, size_t len,
                           struct etcd_watch_msg *msg);
void etcd_watch_msg_destroy(struct etcd_watch_msg *);

/* The message of a gateway error object: 'root' is a unary error reply
 * {"error":"..","message":".."} or a stream line {"error":{"message":..}}.
 * Returns a new string, or NULL if 'root' holds no error. */
char *etcd_error_message(const json_t *root);

/* Whether an etcd error message says a revision was compacted
 * ("mvcc: required revision has been compacted"). */
bool etcd_error_is_compacted(const char *message);

/* Request bodies (new references), field names as in rpc.proto. */

/* RangeRequest for the keys under 'prefix', starting at 'from_len' bytes
 * 'from_key' (NULL: at 'prefix'), at store revision 'revision' (0: the
 * newest), at most 'limit' keys. */
json_t *etcd_range_request(const char *prefix, const char *from_key,
                           size_t from_len, int64_t revision, int64_t limit);

/* WatchRequest creating a watch of the keys under 'prefix' from revision
 * 'start_revision' on. */
json_t *etcd_watch_request(const char *prefix, int64_t start_revision);

#endif /* store/proto.h */
