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

/* Splits the comma-separated 'list' into c->endpoints; false if one is not
 * http:// or https:// or there is none. */
static bool parse_endpoints(struct etcd_client *c, const char *list)
{
    char *copy = xstrdup(list), *save = NULL;
    bool ok = true;
    for (char *tok = strtok_r(copy, ", ", &save); tok && ok;
         tok = strtok_r(NULL, ", ", &save)) {
        ok = !strncmp(tok, "http://", 7) || !strncmp(tok, "https://", 8);
        size_t len = strlen(tok);
        while (len > 8 && tok[len - 1] == '/') {
            tok[--len] = '\0';
        }
        c->endpoints =
            xrealloc(c->endpoints, (c->n_endpoints + 1) * sizeof *c->endpoints);
        c->endpoints[c->n_endpoints++] = xstrdup(tok);
    }
    free(copy);
    return ok && c->n_endpoints;
}

static void free_endpoints(struct etcd_client *c)
{
    for (size_t i = 0; i < c->n_endpoints; i++) {
        free(c->endpoints[i]);
    }
    free(c->endpoints);
}

static void kick_cb(struct ev_loop *loop, ev_timer *w, int revents);

struct etcd_client *etcd_client_create(struct ev_loop *loop,
                                       const char *endpoints)
{
    struct etcd_client *c = xzalloc(sizeof *c);
    if (!parse_endpoints(c, endpoints)) {
        free_endpoints(c);
        free(c);
        return NULL;
    }
    c->endpoint = c->endpoints[0];
    static bool curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = true;
    }
    c->loop = loop;
    c->page_size = 500;
    ovs_list_init(&c->requests);
    ovs_list_init(&c->held);
    ovs_list_init(&c->deferred);
    ev_timer_init(&c->kick, kick_cb, 0., 0.);
    c->kick.data = c;
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
    free(r->path);
    free(r->body);
    ds_destroy(&r->response);
    free(r->owned);
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
    LIST_FOR_EACH_SAFE(r, node, &c->held)
    {
        req_free(c, r);
    }
    LIST_FOR_EACH_SAFE(r, node, &c->deferred)
    {
        req_free(c, r);
    }
    ev_timer_stop(c->loop, &c->kick);
    etcd_watch_destroy(c);
    curl_multi_cleanup(c->multi);
    ev_timer_stop(c->loop, &c->timer);
    free_endpoints(c);
    free(c->cacert);
    free(c->cert);
    free(c->key);
    free(c->user);
    free(c->password);
    free(c->token);
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

static void authenticate(struct etcd_client *);

/* Sends 'r' to the current member, with the auth token if there is one. */
static void req_start(struct etcd_client *c, struct etcd_req *r)
{
    r->endpoint = c->current;
    char *url = xasprintf("%s%s", c->endpoint, r->path);
    curl_easy_setopt(r->easy, CURLOPT_URL, url);
    free(url);
    if (c->token && !r->no_auth) {
        char *auth = xasprintf("Authorization: %s", c->token);
        r->headers = curl_slist_append(r->headers, auth);
        free(auth);
    }
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    if (curl_multi_add_handle(c->multi, r->easy) == CURLM_RECURSIVE_API_CALL) {
        ovs_list_push_back(&c->deferred, &r->node);
        ev_timer_start(c->loop, &c->kick);
        return;
    }
    ovs_list_push_back(&c->requests, &r->node);
}

/* Adds the requests made from inside libcurl callbacks. */
static void kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct etcd_client *c = w->data;
    struct etcd_req *r;
    LIST_FOR_EACH_POP(r, node, &c->deferred)
    {
        ovs_list_push_back(&c->requests, &r->node);
        curl_multi_add_handle(c->multi, r->easy);
    }
}

static void set_tls(struct etcd_client *c, CURL *easy)
{
    if (c->cacert) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, c->cacert);
    }
    if (c->cert) {
        curl_easy_setopt(easy, CURLOPT_SSLCERT, c->cert);
    }
    if (c->key) {
        curl_easy_setopt(easy, CURLOPT_SSLKEY, c->key);
    }
}

static struct etcd_req *req_create(struct etcd_client *c, const char *path,
                                   json_t *body, bool stream)
{
    struct etcd_req *r = xzalloc(sizeof *r);
    r->client = c;
    r->path = xstrdup(path);
    r->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    ds_init(&r->response);
    r->easy = curl_easy_init();
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* Refuse to be served by a member cut off from the leader (the
     * gateway passes Grpc-Metadata-* on as gRPC metadata "hasleader"). */
    r->headers = curl_slist_append(r->headers, "Grpc-Metadata-Hasleader: true");
    /* No "Expect: 100-continue" round trip for bodies over 1 KiB. */
    r->headers = curl_slist_append(r->headers, "Expect:");
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
    set_tls(c, r->easy);
    return r;
}

struct etcd_req *etcd_request(struct etcd_client *c, const char *path,
                              json_t *body, bool stream)
{
    struct etcd_req *r = req_create(c, path, body, stream);
    if (c->user && !c->token) {
        ovs_list_push_back(&c->held, &r->node);
        authenticate(c);
    } else {
        req_start(c, r);
    }
    return r;
}

void etcd_request_set_timeout(struct etcd_req *r, long timeout_ms)
{
    curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
}

void etcd_request_cancel(struct etcd_req *r, const char *why)
{
    struct etcd_client *c = r->client;
    ovs_strlcpy(r->errbuf, why, sizeof r->errbuf);
    if (r->on_end) {
        r->on_end(r, CURLE_ABORTED_BY_CALLBACK);
    } else if (r->done) {
        r->done(r->aux, false, why, NULL);
    }
    req_free(c, r);
}

/* Authentication (etcd's /v3/auth/authenticate): requests made without a
 * token wait in c->held until it arrives. */
static void auth_done(void *c_, bool ok, const char *error, json_t *result)
{
    struct etcd_client *c = c_;
    c->authenticating = false;
    const char *token =
        ok ? json_string_value(json_object_get(result, "token")) : NULL;
    struct etcd_req *r;
    if (token) {
        VLOG_INFO("%s: authenticated as %s", c->endpoint, c->user);
        free(c->token);
        c->token = xstrdup(token);
        LIST_FOR_EACH_POP(r, node, &c->held)
        {
            req_start(c, r);
        }
        return;
    }
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    char *why = xasprintf("etcd authentication as %s failed: %s", c->user,
                          error ? error : "no token in the reply");
    VLOG_WARN_RL(&rl, "%s: %s", c->endpoint, why);
    /* Only those held now: a callback may make new requests, which wait
     * for the next attempt. */
    struct ovs_list failed;
    ovs_list_move(&failed, &c->held);
    ovs_list_init(&c->held);
    LIST_FOR_EACH_POP(r, node, &failed)
    {
        ovs_list_push_back(&c->held, &r->node); /* req_free removes it. */
        etcd_request_cancel(r, why);
    }
    free(why);
}

static void authenticate(struct etcd_client *c)
{
    if (c->authenticating) {
        return;
    }
    c->authenticating = true;
    struct etcd_req *r =
        req_create(c, "/v3/auth/authenticate",
                   json_pack("{s:s, s:s}", "name", c->user, "password",
                             c->password ? c->password : ""),
                   false);
    r->no_auth = true;
    r->done = auth_done;
    r->aux = c;
    req_start(c, r);
}

void etcd_client_set_security(struct etcd_client *c,
                              const struct etcd_security *sec)
{
    c->cacert = nullable_xstrdup(sec->cacert);
    c->cert = nullable_xstrdup(sec->cert);
    c->key = nullable_xstrdup(sec->key);
    c->user = nullable_xstrdup(sec->user);
    c->password = nullable_xstrdup(sec->password);
}

const char *etcd_client_endpoint(const struct etcd_client *c)
{
    return c->endpoint;
}

bool etcd_error_is_member_down(CURLcode code, const char *error)
{
    return (code != CURLE_OK && code != CURLE_WRITE_ERROR) ||
           (error && (strstr(error, "no leader") || strstr(error, "HTTP 503") ||
                      strstr(error, "did not answer")));
}

void etcd_client_request_failed(struct etcd_client *c, size_t index,
                                CURLcode code, const char *error)
{
    if (error && c->token && strstr(error, "auth token")) {
        VLOG_INFO("%s: auth token no longer valid; authenticating again",
                  c->endpoint);
        free(c->token);
        c->token = NULL;
    }
    if (c->n_endpoints < 2 || index != c->current ||
        !etcd_error_is_member_down(code, error)) {
        return;
    }
    const char *old = c->endpoint;
    c->current = (c->current + 1) % c->n_endpoints;
    c->endpoint = c->endpoints[c->current];
    VLOG_WARN("etcd member %s failed (%s); moving to %s", old,
              error ? error : curl_easy_strerror(code), c->endpoint);
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
    if (error) {
        etcd_client_request_failed(r->client, r->endpoint, code, error);
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

/* etcd_get(): the caller's callback, called by get_done() through
 * etcd_deliver_kv(), which decodes the kv. */
struct get_ctx {
    etcd_get_cb *done;
    void *aux;
    bool called;
};

static void get_put(void *ctx_, const struct etcd_kv *kv)
{
    struct get_ctx *ctx = ctx_;
    ctx->called = true;
    ctx->done(ctx->aux, true, NULL, kv);
}

static void get_done(void *ctx_, bool ok, const char *error, json_t *result)
{
    struct get_ctx *ctx = ctx_;
    static const struct etcd_watch_handlers h = {.put = get_put};
    if (!ok) {
        ctx->done(ctx->aux, false, error, NULL);
    } else {
        json_t *kvs = json_object_get(result, "kvs");
        if (json_array_size(kvs)) {
            etcd_deliver_kv(json_array_get(kvs, 0), &h, ctx);
        }
        if (!ctx->called) {
            ctx->done(ctx->aux, true, NULL, NULL);
        }
    }
    free(ctx);
}

void etcd_get(struct etcd_client *c, const char *key, etcd_get_cb *done,
              void *aux)
{
    struct get_ctx *ctx = xzalloc(sizeof *ctx);
    ctx->done = done;
    ctx->aux = aux;
    unary(c, "/v3/kv/range", json_pack("{s:o}", "key", b64(key)), get_done,
          ctx);
}

/* etcd_range_page(): the caller's callback, called by range_done() with
 * the decoded page. */
struct range_ctx {
    etcd_page_cb *done;
    void *aux;
};

static void range_done(void *ctx_, bool ok, const char *error, json_t *reply)
{
    struct range_ctx *ctx = ctx_;
    struct etcd_range_page range;
    if (!ok) {
        ctx->done(ctx->aux, false, error, NULL);
    } else if (!etcd_parse_range(reply, &range)) {
        ctx->done(ctx->aux, false, "range reply with an undecodable key", NULL);
    } else {
        struct etcd_page page = {
            .revision = range.revision,
            .more = range.more,
            .next_key = range.next_key,
            .next_len = range.next_len,
            .kvs = range.kvs,
        };
        ctx->done(ctx->aux, true, NULL, &page);
        free(range.next_key);
    }
}

void etcd_range_page(struct etcd_client *c, const char *prefix,
                     const char *from_key, size_t from_len, int64_t revision,
                     int64_t limit, etcd_page_cb *done, void *aux)
{
    struct range_ctx *ctx = xmalloc(sizeof *ctx);
    *ctx = (struct range_ctx){done, aux};
    struct etcd_req *r = etcd_request(
        c, "/v3/kv/range",
        etcd_range_request(prefix, from_key, from_len, revision, limit), false);
    r->done = range_done;
    r->aux = ctx;
    r->owned = ctx; /* Freed with 'r', also when it is cancelled. */
}

void etcd_page_deliver(const struct etcd_page *page,
                       const struct etcd_watch_handlers *h, void *aux)
{
    size_t i;
    const json_t *kv;
    json_array_foreach(page->kvs, i, kv)
    {
        etcd_deliver_kv(kv, h, aux);
    }
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

json_t *etcd_cmp_mod_revision(const char *key, const char *op, int64_t revision)
{
    return json_pack("{s:o, s:s, s:s, s:o}", "key", b64(key), "target", "MOD",
                     "result", cmp_result(op), "mod_revision",
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

void etcd_lease_revoke(struct etcd_client *c, int64_t id, long timeout_ms,
                       etcd_done_cb *done, void *aux)
{
    struct etcd_req *r =
        etcd_request(c, "/v3/lease/revoke",
                     json_pack("{s:o}", "ID", etcd_int64_json(id)), false);
    r->done = done;
    r->aux = aux;
    etcd_request_set_timeout(r, MIN(MAX(timeout_ms, 1), 10000));
    curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
                     MIN(MAX(timeout_ms, 1), 3000));
}
