/* Blocking etcd calls for flowsteerctl: see ctl/etcdio.h.
 *
 * Listing a prefix reads pages with etcd_range_page() (store/etcd.h) as
 * store/watch.c lists, without the watch: a command lists, decides and
 * writes, then exits. */
#include "ctl/etcdio.h"

#include <ev.h>
#include <string.h>

#include "store/etcd.h"
#include "util.h"

/* Keys per range page. */
#define PAGE 500

struct ctl_etcd {
    struct ev_loop *loop;
    struct etcd_client *c;
    size_t n_members;
};

/* One call in progress: filled by its completion callback. */
struct call {
    bool done, ok;
    char *error;
    json_t *result;
};

static void call_done(void *call_, bool ok, const char *error, json_t *result)
{
    struct call *c = call_;
    c->done = true;
    c->ok = ok;
    c->error = ok ? NULL : xstrdup(error ? error : "failed");
    c->result = ok ? json_incref(result) : NULL;
}

/* Starts one request whose completion goes to call_done(). */
typedef void start_fn(struct ctl_etcd *, void *arg, struct call *);

/* Whether a failure may be the member's alone (try the next one). */
static bool member_failure(const char *error)
{
    return strncmp(error, "HTTP ", 5) || strstr(error, "no leader") ||
           strstr(error, "HTTP 503");
}

/* Runs 'start' until it completes, on each member at most once.  Returns
 * the result (new reference) or NULL with '*error' set. */
static json_t *run(struct ctl_etcd *e, start_fn *start, void *arg, char **error)
{
    *error = NULL;
    for (size_t attempt = 0;; attempt++) {
        struct call c = {0};
        start(e, arg, &c);
        while (!c.done) {
            ev_run(e->loop, EVRUN_ONCE);
        }
        if (c.ok) {
            return c.result;
        }
        if (attempt + 1 >= e->n_members || !member_failure(c.error)) {
            *error =
                xasprintf("etcd %s: %s", etcd_client_endpoint(e->c), c.error);
            free(c.error);
            return NULL;
        }
        free(c.error);
    }
}

struct ctl_etcd *ctl_etcd_open(const struct fs_config *cfg, char **error)
{
    struct ctl_etcd *e = xzalloc(sizeof *e);
    e->loop = ev_default_loop(0);
    e->c = etcd_client_create(e->loop, cfg->etcd);
    if (!e->c) {
        *error = xasprintf("--etcd %s: not a list of http:// or https:// "
                           "URLs",
                           cfg->etcd);
        free(e);
        return NULL;
    }
    e->n_members = 1;
    for (const char *p = cfg->etcd; *p; p++) {
        e->n_members += *p == ',';
    }
    fs_config_set_etcd_security(cfg, e->c);
    *error = NULL;
    return e;
}

void ctl_etcd_close(struct ctl_etcd *e)
{
    if (e) {
        etcd_client_destroy(e->c);
        free(e);
    }
}

const char *ctl_etcd_endpoint(const struct ctl_etcd *e)
{
    return etcd_client_endpoint(e->c);
}

/* Listing. */

struct page_arg {
    const char *prefix;
    char *from; /* Where the page starts (NULL: the first key). */
    size_t from_len;
    int64_t revision; /* The first page's, then asked for (0: newest). */
    bool more;        /* The last page read says more keys follow. */
    struct ctl_kvs *kvs;
    struct call *c;
};

static void list_put(void *kvs_, const struct etcd_kv *kv)
{
    ctl_kvs_add(kvs_, kv->key, kv->key_len, kv->value, kv->value_len,
                kv->create_revision, kv->mod_revision);
}

static void page_done(void *arg_, bool ok, const char *error,
                      const struct etcd_page *page)
{
    static const struct etcd_watch_handlers h = {.put = list_put};
    struct page_arg *a = arg_;
    if (ok) {
        a->revision = a->revision ? a->revision : page->revision;
        a->kvs->revision = a->revision;
        etcd_page_deliver(page, &h, a->kvs);
        free(a->from);
        a->from = page->more ? xmemdup(page->next_key, page->next_len) : NULL;
        a->from_len = page->more ? page->next_len : 0;
        a->more = page->more;
    }
    call_done(a->c, ok, error, NULL);
}

static void start_page(struct ctl_etcd *e, void *arg_, struct call *c)
{
    struct page_arg *a = arg_;
    a->c = c;
    etcd_range_page(e->c, a->prefix, a->from, a->from_len, a->revision, PAGE,
                    page_done, a);
}

char *ctl_etcd_list(struct ctl_etcd *e, const char *prefix, struct ctl_kvs *kvs)
{
    struct page_arg a = {.prefix = prefix, .kvs = kvs};
    char *error = NULL;
    do {
        run(e, start_page, &a, &error);
    } while (!error && a.more);
    free(a.from);
    return error;
}

/* One key. */

struct get_arg {
    const char *key;
    struct ctl_kv *kv;
    bool *found;
    struct call *c;
};

static void get_done(void *arg_, bool ok, const char *error,
                     const struct etcd_kv *kv)
{
    struct get_arg *a = arg_;
    if (ok && kv) {
        *a->found = true;
        *a->kv = (struct ctl_kv){
            .key = xmemdup0(kv->key, kv->key_len),
            .key_len = kv->key_len,
            .value = xmemdup0(kv->value, kv->value_len),
            .value_len = kv->value_len,
            .create_revision = kv->create_revision,
            .mod_revision = kv->mod_revision,
        };
    }
    call_done(a->c, ok, error, NULL);
}

static void start_get(struct ctl_etcd *e, void *arg_, struct call *c)
{
    struct get_arg *a = arg_;
    a->c = c;
    etcd_get(e->c, a->key, get_done, a);
}

char *ctl_etcd_get(struct ctl_etcd *e, const char *key, struct ctl_kv *kv,
                   bool *found)
{
    *found = false;
    struct get_arg a = {.key = key, .kv = kv, .found = found};
    char *error;
    run(e, start_get, &a, &error);
    return error;
}

void ctl_kv_clear(struct ctl_kv *kv)
{
    free(kv->key);
    free(kv->value);
    *kv = (struct ctl_kv){0};
}

/* Transactions. */

struct txn_arg {
    json_t *compare, *success, *failure;
};

static void start_txn(struct ctl_etcd *e, void *arg_, struct call *c)
{
    struct txn_arg *a = arg_;
    /* etcd_txn() takes the arrays: each attempt gets its own references. */
    etcd_txn(e->c, json_incref(a->compare), json_incref(a->success),
             json_incref(a->failure), call_done, c);
}

char *ctl_etcd_txn(struct ctl_etcd *e, json_t *compare, json_t *success,
                   json_t *failure, bool *succeeded, int64_t *revision)
{
    struct txn_arg a = {
        compare ? compare : json_array(),
        success ? success : json_array(),
        failure ? failure : json_array(),
    };
    char *error;
    json_t *result = run(e, start_txn, &a, &error);
    *succeeded = json_is_true(json_object_get(result, "succeeded"));
    *revision =
        result ? etcd_int64(json_object_get(result, "header"), "revision") : 0;
    json_decref(result);
    json_decref(a.compare);
    json_decref(a.success);
    json_decref(a.failure);
    return error;
}

void ctl_record_last_write(struct ctl_etcd *e, int64_t revision)
{
    json_t *doc = json_pack("{s:I}", "revision", (json_int_t)revision);
    char *value = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    json_t *ops = json_array();
    json_array_append_new(ops, etcd_op_put(CTL_LAST_WRITE_KEY, value));
    bool ok;
    int64_t rev;
    char *error = ctl_etcd_txn(e, NULL, ops, NULL, &ok, &rev);
    if (error) {
        fprintf(stderr,
                "flowsteerctl: warning: could not record the "
                "revision of this write at " CTL_LAST_WRITE_KEY
                " (status --wait-converged waits for it): %s\n",
                error);
    }
    free(error);
    free(value);
}
