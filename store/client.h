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
    char *endpoint;
    CURLM *multi;
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
    struct ovs_list node;
    struct etcd_client *client;
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
};

/* Starts a POST of 'body' (reference taken) to 'path' ("/v3/watch").
 * 'stream' requests have no overall timeout.  The request is freed by the
 * client after its completion callback. */
struct etcd_req *etcd_request(struct etcd_client *, const char *path,
                              json_t *body, bool stream);

/* Frees the prefix watch (store/watch.c); no callbacks after this. */
void etcd_watch_destroy(struct etcd_client *);

#endif /* store/client.h */
