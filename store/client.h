/* store/client.h: the client's insides, shared by store/client.c and
 * store/watch.c (private to store/). */
#ifndef FS_ETCD_CLIENT_H
#define FS_ETCD_CLIENT_H 1

#include <curl/curl.h>
#include <ev.h>
#include <jansson.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "store/etcd.h"

struct etcd_watch;

/* The "etcd" vlog module, defined in store/client.c, shared by store/. */
extern struct vlog_module *VLM_etcd;

struct etcd_client {
    struct ev_loop *loop;
    char **endpoints; /* Members, in the order given. */
    size_t n_endpoints;
    size_t current; /* Index of the member requests go to. */
    char *endpoint; /* endpoints[current]. */
    CURLM *multi;
    /* TLS (NULL = none) and auth (user NULL = none); 'token' is the
     * current auth token, NULL until authenticated or after it expired. */
    char *cacert, *cert, *key, *user, *password, *token;
    bool authenticating;
    struct ovs_list held; /* struct etcd_req waiting for a token. */
    /* Requests made from inside a libcurl callback (which refuses a new
     * handle then): added by 'kick' once the loop runs again. */
    struct ovs_list deferred;
    ev_timer kick;
    ev_timer timer;           /* curl's timeout. */
    struct ovs_list requests; /* struct etcd_req in flight. */
    struct etcd_watch *watch; /* The prefix watch, if any. */
    int64_t page_size;        /* Keys per range page of a list. */
};

/* Sets the number of keys per range page of a list (default 500); for
 * tests that exercise paging with a few keys. */
void etcd_client_set_page_size(struct etcd_client *, int64_t page_size);

/* One HTTP transfer.  Unary: 'done' gets the decoded reply.  Streaming:
 * 'on_data' gets each chunk and 'on_end' the end of the transfer. */
struct etcd_req {
    struct ovs_list node; /* In client->requests, ->held or ->deferred. */
    struct etcd_client *client;
    char *path; /* "/v3/kv/range". */
    CURL *easy;
    struct curl_slist *headers;
    char *body;
    struct ds response;
    char errbuf[CURL_ERROR_SIZE];
    etcd_done_cb *done;
    void *aux;
    void (*on_data)(struct etcd_req *, const char *data, size_t len);
    void (*on_end)(struct etcd_req *, CURLcode);
    bool abort; /* Set by 'on_data': end the stream, closing the connection. */
    size_t endpoint; /* Index of the member it was sent to. */
    bool no_auth;    /* The authenticate call itself. */
    void *owned;     /* Freed with the request: the context of a wrapper
                      * of 'done' (etcd_range_page()). */
};

/* Starts a POST of 'body' (reference taken) to 'path' ("/v3/watch") on the
 * current member.  'stream' requests have no overall timeout; others time
 * out after 10 s.  The request is freed by the client after its
 * completion callback.  With auth configured and no token yet, the
 * request waits for the authentication first. */
struct etcd_req *etcd_request(struct etcd_client *, const char *path,
                              json_t *body, bool stream);

/* Sets a unary request's overall timeout (before the loop runs again). */
void etcd_request_set_timeout(struct etcd_req *, long timeout_ms);

/* Ends request 'r' now: its on_end (streams) or done (unary) callback is
 * called with 'why' as the error, then it is freed. */
void etcd_request_cancel(struct etcd_req *r, const char *why);

/* Returns true if 'error' says the member cannot serve (transport error,
 * no leader): the client then moves to the next member. */
bool etcd_error_is_member_down(CURLcode, const char *error);

/* After a failure of a request sent to member 'index': if it is still the
 * current member and there are others, moves to the next one and logs it.
 * An auth error ('error' says the token is invalid) drops the token. */
void etcd_client_request_failed(struct etcd_client *, size_t index, CURLcode,
                                const char *error);

/* Frees the prefix watch (store/watch.c); no callbacks after this. */
void etcd_watch_destroy(struct etcd_client *);

#endif /* store/client.h */
