/* store/: an etcd v3 client over the gRPC JSON gateway (/v3/...), built on
 * libcurl's multi interface driven by a libev loop.  Nothing blocks.
 *
 * Knows nothing of networks: it lists and watches a prefix, and puts,
 * deletes and runs transactions.  Keys and values are plain bytes here; the
 * base64 encoding of the gateway stays inside store/, and its
 * int64-as-string encoding too but for the replies handed over as JSON
 * (txn, lease), whose int64 fields etcd_int64() reads.
 *
 * Gateway facts this relies on (etcd 3.4): one JSON object per line, each
 * {"result":{...}}; a stream may end with {"error":{...}} and HTTP 200;
 * int64 fields are strings; default-valued fields are omitted; unknown
 * request fields are ignored; a watch is one POST whose body is sent whole,
 * cancelled by closing the connection. */
#ifndef FS_ETCD_H
#define FS_ETCD_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ev_loop;
struct etcd_client;

/* One key-value as etcd reports it.  Pointers are valid only during the
 * callback.  Keys are bytes, like values: 'key_len' of them, which may
 * include NUL and need not be UTF-8 ('key' is NUL-terminated after them
 * for convenience, but a NUL inside ends a C string early). */
struct etcd_kv {
    const char *key;
    size_t key_len;
    const char *value; /* Not NUL-terminated in general; 'value_len' bytes. */
    size_t value_len;
    int64_t create_revision;
    int64_t mod_revision;
    int64_t version;
    int64_t lease;
};

/* Callbacks of a prefix watch.  Called on the libev loop's thread.
 *
 * A (re)list calls reset(), then put() for every key under the prefix at
 * revision R, then synced(R).  The watch then calls put()/del() for each
 * event (duplicates and events at or below the last delivered revision are
 * dropped), followed by synced(revision of the last event) per response. */
struct etcd_watch_handlers {
    void (*reset)(void *aux);
    void (*put)(void *aux, const struct etcd_kv *);
    void (*del)(void *aux, const char *key, size_t key_len,
                int64_t mod_revision); /* 'key' as in struct etcd_kv. */
    void (*synced)(void *aux, int64_t revision);
    /* Connection state changes, with a reason when 'up' is false. */
    void (*state)(void *aux, bool up, const char *reason);
};

/* Completion of a request.  'ok' is false on transport, HTTP or gateway
 * errors ('error' says which).  'result' is the decoded response object
 * (borrowed; NULL when !ok).  For txn, result["succeeded"] tells whether the
 * compares held (absent means false, as the gateway omits defaults). */
typedef void etcd_done_cb(void *aux, bool ok, const char *error,
                          json_t *result);

/* Creates a client for 'endpoints', a comma-separated list of cluster
 * members as etcdctl's --endpoints takes them ("http://10.0.0.1:2379,
 * http://10.0.0.2:2379"), attached to 'loop'.  Requests go to one member;
 * when it fails (connection refused or timed out, no leader, a watch that
 * stays silent and a probe that gets no answer) the client moves to the
 * next one.  Returns NULL if an endpoint is not http:// or https://. */
struct etcd_client *etcd_client_create(struct ev_loop *loop,
                                       const char *endpoints);

/* TLS and authentication, as etcdctl names them (--cacert, --cert, --key,
 * --user): any may be NULL.  With 'user', the client authenticates
 * (/v3/auth/authenticate) before its first request and again when etcd
 * says the token is no longer valid.  Strings are copied.  Call before the
 * first request. */
struct etcd_security {
    const char *cacert;   /* CA bundle to verify the members (PEM file). */
    const char *cert;     /* Client certificate (PEM file). */
    const char *key;      /* Its private key (PEM file). */
    const char *user;     /* etcd user name. */
    const char *password; /* Its password. */
};
void etcd_client_set_security(struct etcd_client *,
                              const struct etcd_security *);

/* The member requests go to now (for logs and status). */
const char *etcd_client_endpoint(const struct etcd_client *);

/* Cancels every request and watch (no callbacks after this) and frees. */
void etcd_client_destroy(struct etcd_client *);

/* Lists then watches every key under 'prefix', forever, reconnecting with
 * capped exponential backoff.  Resumes after a dropped stream at the last
 * event's mod_revision + 1; relists when etcd reports compact_revision. */
void etcd_watch_prefix(struct etcd_client *, const char *prefix,
                       const struct etcd_watch_handlers *, void *aux);

/* Puts 'value' at 'key', attached to 'lease' (0 for none). */
void etcd_put(struct etcd_client *, const char *key, const char *value,
              int64_t lease, etcd_done_cb *, void *aux);

/* Completion of etcd_get(): 'kv' is the key's value, or NULL when the key
 * does not exist (or !ok).  'kv' and its pointers are valid only during the
 * callback. */
typedef void etcd_get_cb(void *aux, bool ok, const char *error,
                         const struct etcd_kv *kv);

/* Reads one key (a linearizable range of exactly 'key'); 'done' gets its
 * value or NULL.  Bounded by the client's timeouts (3 s to connect, 10 s in
 * all), as every unary call. */
void etcd_get(struct etcd_client *, const char *key, etcd_get_cb *done,
              void *aux);

/* One page of a listing (etcd_range_page()).  Valid only during the
 * callback. */
struct etcd_page {
    int64_t revision;     /* The store's revision it was read at. */
    bool more;            /* More keys follow in the range. */
    const char *next_key; /* When 'more': where the next page starts,
                           * 'next_len' bytes; else NULL. */
    size_t next_len;
    const json_t *kvs; /* Its keys in gateway form: etcd_page_deliver(). */
};

/* Completion of etcd_range_page(): 'page' is NULL when !ok. */
typedef void etcd_page_cb(void *aux, bool ok, const char *error,
                          const struct etcd_page *page);

/* Reads one page of the keys under 'prefix': at most 'limit' keys, from
 * the 'from_len' bytes at 'from_key' on (NULL: from the first key), at
 * store revision 'revision' (0: the newest).  A reply whose last key
 * cannot be decoded is a failure ("range reply with an undecodable key").
 * A listing at one revision asks for the next page at page->next_key and
 * the first page's revision while page->more. */
void etcd_range_page(struct etcd_client *, const char *prefix,
                     const char *from_key, size_t from_len, int64_t revision,
                     int64_t limit, etcd_page_cb *done, void *aux);

/* Calls handlers->put for each key of 'page', in order; a key that cannot
 * be decoded is skipped. */
void etcd_page_deliver(const struct etcd_page *,
                       const struct etcd_watch_handlers *, void *aux);

/* Deletes 'key'. */
void etcd_delete(struct etcd_client *, const char *key, etcd_done_cb *,
                 void *aux);

/* Transactions: build compares and operations with the helpers below (they
 * return new json_t references in gateway form), then etcd_txn() takes
 * ownership of the three arrays (any may be NULL). */
json_t *etcd_cmp_create_revision(const char *key, const char *op,
                                 int64_t revision);
json_t *etcd_cmp_mod_revision(const char *key, const char *op,
                              int64_t revision);
json_t *etcd_cmp_value(const char *key, const char *op, const char *value);
json_t *etcd_op_put(const char *key, const char *value);
json_t *etcd_op_delete(const char *key);
void etcd_txn(struct etcd_client *, json_t *compare, json_t *success,
              json_t *failure, etcd_done_cb *, void *aux);

/* Grants a lease of 'ttl' seconds; result["ID"] is its id (string). */
void etcd_lease_grant(struct etcd_client *, int64_t ttl, etcd_done_cb *,
                      void *aux);

/* Refreshes lease 'id' once; result["TTL"] is the time it has left in
 * seconds (string), absent or "0" when the lease no longer exists. */
void etcd_lease_keepalive(struct etcd_client *, int64_t id, etcd_done_cb *,
                          void *aux);

/* Revokes lease 'id' (its keys are deleted at once), giving up after
 * 'timeout_ms' (at most the client's usual 10 s): for a stop that must not
 * wait long. */
void etcd_lease_revoke(struct etcd_client *, int64_t id, long timeout_ms,
                       etcd_done_cb *, void *aux);

/* An int64 field of 'obj' (a reply object, e.g. result["header"] for
 * "revision", or result itself for a lease's "ID" and "TTL") as the
 * gateway writes it: a decimal string ("42") or, leniently, a JSON number.
 * Absent or malformed: 0 (the proto3 default). */
int64_t etcd_int64(const json_t *obj, const char *field);

#endif /* store/etcd.h */
