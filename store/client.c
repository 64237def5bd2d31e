/* The etcd client: libcurl multi transfers driven by libev (see
 * store/etcd.h).  Unary calls (range, put, deleterange, txn, lease) and one
 * streaming watch per prefix, which lists first and resumes after drops. */
#include "store/etcd.h"

#include <curl/curl.h>
#include <ev.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "store/client.h"
#include "store/proto.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(etcd);

/* libev watcher for one socket curl uses (CURLMOPT_SOCKETFUNCTION). */
struct sock_watch {
    ev_io io;
    struct etcd_client *c;
};

static void check_done(struct etcd_client *c);

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct sock_watch *sw = w->data;
    struct etcd_client *c = sw->c; /* 'sw' may be freed by socket_fn. */
    int action = (revents & EV_READ ? CURL_CSELECT_IN : 0) |
                 (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(c->multi, w->fd, action, &running);
    check_done(c);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct etcd_client *c = w->data;
    int running;
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(c);
}

static int socket_fn(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp)
{
    struct etcd_client *c = userp;
    struct sock_watch *sw = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sw) {
            ev_io_stop(c->loop, &sw->io);
            free(sw);
        }
        return 0;
    }
    int events = (what & CURL_POLL_IN ? EV_READ : 0) |
                 (what & CURL_POLL_OUT ? EV_WRITE : 0);
    if (!sw) {
        sw = xzalloc(sizeof *sw);
        sw->c = c;
        ev_io_init(&sw->io, io_cb, s, events);
        sw->io.data = sw;
        curl_multi_assign(c->multi, s, sw);
    } else {
        ev_io_stop(c->loop, &sw->io);
        ev_io_set(&sw->io, s, events);
    }
    ev_io_start(c->loop, &sw->io);
    return 0;
}

static int timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
    struct etcd_client *c = userp;
    ev_timer_stop(c->loop, &c->timer);
    if (timeout_ms >= 0) {
        ev_timer_set(&c->timer, timeout_ms / 1000.0, 0.);
        ev_timer_start(c->loop, &c->timer);
    }
    return 0;
}

struct etcd_client *etcd_client_create(struct ev_loop *loop,
                                       const char *endpoint)
{
    if (strncmp(endpoint, "http://", 7) && strncmp(endpoint, "https://", 8)) {
        return NULL;
    }
    static bool curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = true;
    }
    struct etcd_client *c = xzalloc(sizeof *c);
    c->loop = loop;
    c->endpoint = xstrdup(endpoint);
    c->page_size = 500;
    ovs_list_init(&c->requests);
    c->multi = curl_multi_init();
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_fn);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_fn);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    ev_timer_init(&c->timer, timer_cb, 0., 0.);
    c->timer.data = c;
    return c;
}

static void req_free(struct etcd_client *c, struct etcd_req *r)
{
    ovs_list_remove(&r->node);
    curl_multi_remove_handle(c->multi, r->easy);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    ds_destroy(&r->response);
    free(r);
}

void etcd_client_set_page_size(struct etcd_client *c, int64_t page_size)
{
    c->page_size = MAX(page_size, 1);
}

/* Frees 'c' and everything in flight.  Call it from outside the client's
 * own callbacks (e.g. after ev_run() returns, or from another watcher):
 * the transfer or watch calling back would otherwise be freed under it. */
void etcd_client_destroy(struct etcd_client *c)
{
    if (!c) {
        return;
    }
    struct etcd_req *r;
    LIST_FOR_EACH_SAFE(r, node, &c->requests)
    {
        req_free(c, r);
    }
    etcd_watch_destroy(c);
    curl_multi_cleanup(c->multi);
    ev_timer_stop(c->loop, &c->timer);
    free(c->endpoint);
    free(c);
}

static size_t write_fn(char *data, size_t size, size_t n, void *r_)
{
    struct etcd_req *r = r_;
    if (r->abort) {
        return 0;
    }
    if (r->on_data) {
        r->on_data(r, data, size * n);
    } else {
        ds_put_buffer(&r->response, data, size * n);
    }
    /* Returning less than given makes curl end the transfer (and close the
     * connection, which is how a gateway watch is cancelled). */
    return r->abort ? 0 : size * n;
}

struct etcd_req *etcd_request(struct etcd_client *c, const char *path,
                              json_t *body, bool stream)
{
    struct etcd_req *r = xzalloc(sizeof *r);
    r->client = c;
    r->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    ds_init(&r->response);
    r->easy = curl_easy_init();
    char *url = xasprintf("%s%s", c->endpoint, path);
    curl_easy_setopt(r->easy, CURLOPT_URL, url);
    free(url);
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* Refuse to be served by a member cut off from the leader (the
     * gateway passes Grpc-Metadata-* on as gRPC metadata "hasleader"). */
    r->headers = curl_slist_append(r->headers, "Grpc-Metadata-Hasleader: true");
    /* No "Expect: 100-continue" round trip for bodies over 1 KiB. */
    r->headers = curl_slist_append(r->headers, "Expect:");
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_fn);
    curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
    curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
    /* A watch can be silent for hours: let TCP probes find a dead peer
     * (first probe after 30 s idle, then every 10 s). */
    curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(r->easy, CURLOPT_TCP_KEEPINTVL, 10L);
    curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    if (!stream) {
        curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, 10000L);
    }
    ovs_list_push_back(&c->requests, &r->node);
    curl_multi_add_handle(c->multi, r->easy);
    return r;
}

/* Finishes a unary request: decodes the reply and calls its callback. */
static void finish_unary(struct etcd_req *r, CURLcode code)
{
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    json_t *reply = json_loadb(r->response.string, r->response.length, 0, NULL);
    char *error = NULL;
    if (code != CURLE_OK) {
        error = xasprintf("%s",
                          r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
    } else if (status != 200 || !json_is_object(reply) ||
               json_is_object(json_object_get(reply, "error"))) {
        char *msg = etcd_error_message(reply);
        error = xasprintf("HTTP %ld: %s", status,
                          msg ? msg : ds_cstr(&r->response));
        free(msg);
    }
    /* A streaming RPC (lease keepalive) answers {"result":{...}}. */
    json_t *result = json_object_get(reply, "result");
    if (r->done) {
        r->done(r->aux, !error, error,
                error                    ? NULL
                : json_is_object(result) ? result
                                         : reply);
    }
    free(error);
    json_decref(reply);
}

static void check_done(struct etcd_client *c)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        struct etcd_req *r;
        CURLcode code = msg->data.result;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (r->on_end) {
            r->on_end(r, code);
        } else {
            finish_unary(r, code);
        }
        req_free(c, r);
    }
}

static void unary(struct etcd_client *c, const char *path, json_t *body,
                  etcd_done_cb *done, void *aux)
{
    struct etcd_req *r = etcd_request(c, path, body, false);
    r->done = done;
    r->aux = aux;
}

/* The gateway form of a NUL-terminated key or value. */
static json_t *b64(const char *s)
{
    return etcd_b64_json(s, strlen(s));
}

void etcd_put(struct etcd_client *c, const char *key, const char *value,
              int64_t lease, etcd_done_cb *done, void *aux)
{
    json_t *body =
        json_pack("{s:o, s:o}", "key", b64(key), "value", b64(value));
    if (lease) {
        json_object_set_new(body, "lease", etcd_int64_json(lease));
    }
    unary(c, "/v3/kv/put", body, done, aux);
}

void etcd_delete(struct etcd_client *c, const char *key, etcd_done_cb *done,
                 void *aux)
{
    unary(c, "/v3/kv/deleterange", json_pack("{s:o}", "key", b64(key)), done,
          aux);
}

/* Compare.CompareResult for 'op' ("=", "!=", ">", "<"). */
static const char *cmp_result(const char *op)
{
    return !strcmp(op, "=")   ? "EQUAL"
           : !strcmp(op, ">") ? "GREATER"
           : !strcmp(op, "<") ? "LESS"
                              : "NOT_EQUAL";
}

json_t *etcd_cmp_create_revision(const char *key, const char *op,
                                 int64_t revision)
{
    return json_pack("{s:o, s:s, s:s, s:o}", "key", b64(key), "target",
                     "CREATE", "result", cmp_result(op), "create_revision",
                     etcd_int64_json(revision));
}

json_t *etcd_cmp_value(const char *key, const char *op, const char *value)
{
    return json_pack("{s:o, s:s, s:s, s:o}", "key", b64(key), "target", "VALUE",
                     "result", cmp_result(op), "value", b64(value));
}

json_t *etcd_op_put(const char *key, const char *value)
{
    return json_pack("{s:{s:o, s:o}}", "request_put", "key", b64(key), "value",
                     b64(value));
}

json_t *etcd_op_delete(const char *key)
{
    return json_pack("{s:{s:o}}", "request_delete_range", "key", b64(key));
}

void etcd_txn(struct etcd_client *c, json_t *compare, json_t *success,
              json_t *failure, etcd_done_cb *done, void *aux)
{
    json_t *body = json_object();
    json_object_set_new(body, "compare", compare ? compare : json_array());
    json_object_set_new(body, "success", success ? success : json_array());
    json_object_set_new(body, "failure", failure ? failure : json_array());
    unary(c, "/v3/kv/txn", body, done, aux);
}

void etcd_lease_grant(struct etcd_client *c, int64_t ttl, etcd_done_cb *done,
                      void *aux)
{
    unary(c, "/v3/lease/grant", json_pack("{s:o}", "TTL", etcd_int64_json(ttl)),
          done, aux);
}

void etcd_lease_keepalive(struct etcd_client *c, int64_t id, etcd_done_cb *done,
                          void *aux)
{
    unary(c, "/v3/lease/keepalive",
          json_pack("{s:o}", "ID", etcd_int64_json(id)), done, aux);
}
