/* Tests of the etcd client (store/) against a real etcd 3.4 started in a
 * temporary directory on free loopback ports, on a real libev loop: list
 * and watch, event order and revisions, txn, lease, resume after an etcd
 * restart, relist after a compaction.
 *
 * While the test code does blocking HTTP (blocking_post()) the loop does not
 * run, so the client cannot see what happens until the loop runs again:
 * that is how the tests put keys and compact while the watch is cut off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "store/client.h"
#include "store/etcd.h"
#include "store/proto.h"
#include "util.h"
#include "openvswitch/vlog.h"

/* The etcd under test. */
struct etcd_server {
    char dir[64]; /* mkdtemp() directory: data dir and log. */
    int client_port;
    int peer_port;
    char url[64]; /* Client URL. */
    pid_t pid;    /* 0 when not running. */
};

static struct etcd_server server;
static struct ev_loop *loop;

/* A free loopback TCP port: bind port 0, read it back, close. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) ||
        getsockname(fd, (struct sockaddr *)&sin, &len)) {
        return -1;
    }
    close(fd);
    return ntohs(sin.sin_port);
}

static void exec_etcd(void)
{
    char *log = xasprintf("%s/etcd.log", server.dir);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* Never outlive the test. */
    char *data = xasprintf("%s/data", server.dir);
    char *peer = xasprintf("http://127.0.0.1:%d", server.peer_port);
    char *cluster = xasprintf("default=%s", peer);
    execlp("etcd", "etcd", "--data-dir", data, "--listen-client-urls",
           server.url, "--advertise-client-urls", server.url,
           "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
           "--initial-cluster", cluster, (char *)NULL);
    _exit(127);
}

static size_t sink(char *data, size_t size, size_t n, void *ds_)
{
    ds_put_buffer(ds_, data, size * n);
    return size * n;
}

/* Blocking HTTP for the test's own use: POSTs 'body' (NULL: GET) to 'path'
 * and returns the decoded reply, or NULL. */
static json_t *blocking_http(const char *path, const char *body)
{
    struct ds reply = DS_EMPTY_INITIALIZER;
    CURL *easy = curl_easy_init();
    char *url = xasprintf("%s%s", server.url, path);
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &reply);
    if (body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
    }
    CURLcode code = curl_easy_perform(easy);
    json_t *j = code == CURLE_OK
                    ? json_loadb(reply.string, reply.length, 0, NULL)
                    : NULL;
    curl_easy_cleanup(easy);
    free(url);
    ds_destroy(&reply);
    return j;
}

static json_t *blocking_post(const char *path, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    json_t *reply = blocking_http(path, s);
    free(s);
    assert_non_null(reply);
    assert_null(json_object_get(reply, "error"));
    return reply;
}

/* Puts 'key'='value' outside the client; returns the new revision. */
static int64_t blocking_put(const char *key, const char *value)
{
    json_t *reply = blocking_post(
        "/v3/kv/put",
        json_pack("{s:o, s:o}", "key", etcd_b64_json(key, strlen(key)), "value",
                  etcd_b64_json(value, strlen(value))));
    int64_t rev = etcd_int64(json_object_get(reply, "header"), "revision");
    json_decref(reply);
    return rev;
}

static int64_t blocking_delete(const char *key)
{
    json_t *reply = blocking_post(
        "/v3/kv/deleterange",
        json_pack("{s:o}", "key", etcd_b64_json(key, strlen(key))));
    int64_t rev = etcd_int64(json_object_get(reply, "header"), "revision");
    json_decref(reply);
    return rev;
}

static void etcd_start(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (!pid) {
        exec_etcd();
    }
    server.pid = pid;
    for (int i = 0; i < 200; i++) { /* Up to 10 s. */
        json_t *health = blocking_http("/health", NULL);
        const char *h = json_string_value(json_object_get(health, "health"));
        bool ok = h && !strcmp(h, "true");
        json_decref(health);
        if (ok) {
            return;
        }
        int status;
        assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* Alive. */
        usleep(50 * 1000);
    }
    fail_msg("etcd did not become healthy; see %s/etcd.log", server.dir);
}

static void etcd_kill(void)
{
    if (server.pid > 0) {
        kill(server.pid, SIGKILL);
        waitpid(server.pid, NULL, 0);
        server.pid = 0;
    }
}

static int group_setup(void **state)
{
    strcpy(server.dir, "/tmp/fs-etcd-live.XXXXXX");
    if (!mkdtemp(server.dir)) {
        return -1;
    }
    server.client_port = free_port();
    server.peer_port = free_port();
    if (server.client_port < 0 || server.peer_port < 0) {
        return -1;
    }
    snprintf(server.url, sizeof server.url, "http://127.0.0.1:%d",
             server.client_port);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    etcd_start();
    loop = ev_loop_new(EVFLAG_AUTO);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    return remove(path);
}

static int group_teardown(void **state)
{
    etcd_kill();
    if (server.dir[0]) {
        nftw(server.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    if (loop) {
        ev_loop_destroy(loop);
    }
    return 0;
}

static void tick_cb(struct ev_loop *loop_, ev_timer *t, int revents)
{
}

/* Runs the loop until '*flag' is true or 'timeout' seconds pass. */
static bool run_until(const bool *flag, double timeout)
{
    ev_tstamp deadline = ev_now(loop) + timeout;
    ev_timer tick;
    ev_timer_init(&tick, tick_cb, 0.05, 0.05);
    while (!*flag && ev_now(loop) < deadline) {
        ev_timer_again(loop, &tick); /* Never block past 50 ms. */
        ev_run(loop, EVRUN_ONCE);
    }
    ev_timer_stop(loop, &tick);
    return *flag;
}

/* Runs the loop for 'seconds'. */
static void run_for(double seconds)
{
    bool never = false;
    run_until(&never, seconds);
}

/* What a prefix watch reported. */
struct watcher {
    struct ds log; /* "put K=V@REV ", "del K@REV ", "reset ". */
    int resets;
    int64_t synced; /* Last synced() revision. */
    int ups, downs; /* state() calls. */
    bool up;
    int64_t wait_rev; /* 'reached' becomes true at synced() >= this. */
    bool reached;
};

static void w_reset(void *aux)
{
    struct watcher *w = aux;
    w->resets++;
    ds_put_cstr(&w->log, "reset ");
}

static void w_put(void *aux, const struct etcd_kv *kv)
{
    struct watcher *w = aux;
    ds_put_format(&w->log, "put %s=%.*s@%lld ", kv->key, (int)kv->value_len,
                  kv->value, (long long)kv->mod_revision);
}

static void w_del(void *aux, const char *key, size_t key_len, int64_t rev)
{
    struct watcher *w = aux;
    ds_put_format(&w->log, "del %s@%lld ", key, (long long)rev);
}

static void w_synced(void *aux, int64_t rev)
{
    struct watcher *w = aux;
    assert_true(rev >= w->synced); /* Revisions never go back. */
    w->synced = rev;
    w->reached = w->wait_rev && rev >= w->wait_rev;
}

static void w_state(void *aux, bool up, const char *reason)
{
    struct watcher *w = aux;
    assert_true(up || reason);
    w->up = up;
    if (up) {
        w->ups++;
    } else {
        w->downs++;
    }
}

static const struct etcd_watch_handlers w_handlers = {
    .reset = w_reset,
    .put = w_put,
    .del = w_del,
    .synced = w_synced,
    .state = w_state,
};

/* Runs the loop until the watcher has seen revision 'rev'. */
static void wait_synced(struct watcher *w, int64_t rev)
{
    w->wait_rev = rev;
    w->reached = w->synced >= rev;
    if (!run_until(&w->reached, 10.)) {
        fail_msg("watch did not reach revision %lld (at %lld): %s",
                 (long long)rev, (long long)w->synced, ds_cstr(&w->log));
    }
}

/* Completion of one request made through the client. */
struct call {
    bool done, ok;
    json_t *result; /* Own reference. */
    char *error;
};

static void call_done(void *aux, bool ok, const char *error, json_t *result)
{
    struct call *c = aux;
    c->done = true;
    c->ok = ok;
    c->result = json_incref(result);
    c->error = error ? xstrdup(error) : NULL;
}

/* Waits for 'c' and asserts it succeeded. */
static void wait_call(struct call *c)
{
    assert_true(run_until(&c->done, 10.));
    if (!c->ok) {
        fail_msg("etcd request failed: %s", c->error);
    }
}

static void call_free(struct call *c)
{
    json_decref(c->result);
    free(c->error);
    *c = (struct call){0};
}

static int64_t call_revision(const struct call *c)
{
    return etcd_int64(json_object_get(c->result, "header"), "revision");
}

/* Puts through the client and returns the put's revision. */
static int64_t client_put(struct etcd_client *client, const char *key,
                          const char *value)
{
    struct call c = {0};
    etcd_put(client, key, value, 0, call_done, &c);
    wait_call(&c);
    int64_t rev = call_revision(&c);
    call_free(&c);
    return rev;
}

static void test_list_then_watch(void **state)
{
    struct etcd_client *client = etcd_client_create(loop, server.url);
    assert_non_null(client);
    etcd_client_set_page_size(client, 2); /* Three pages for five keys. */
    client_put(client, "/t1/a", "1");
    client_put(client, "/t1/b", "2");
    client_put(client, "/t1/c", "");
    client_put(client, "/t1/d", "4");
    client_put(client, "/t1/e", "5");
    client_put(client, "/t1", "outside");
    int64_t r = client_put(client, "/t10", "outside");

    struct watcher w = {.log = DS_EMPTY_INITIALIZER};
    etcd_watch_prefix(client, "/t1/", &w_handlers, &w);
    wait_synced(&w, r);
    assert_int_equal(w.synced, r);
    assert_true(w.up);
    char *want = xasprintf("reset put /t1/a=1@%lld put /t1/b=2@%lld "
                           "put /t1/c=@%lld put /t1/d=4@%lld "
                           "put /t1/e=5@%lld ",
                           (long long)r - 6, (long long)r - 5, (long long)r - 4,
                           (long long)r - 3, (long long)r - 2);
    assert_string_equal(ds_cstr(&w.log), want);
    free(want);
    ds_clear(&w.log);

    /* Later changes arrive as events, in order, with their revisions. */
    int64_t r1 = client_put(client, "/t1/f", "6");
    struct call del = {0};
    etcd_delete(client, "/t1/a", call_done, &del);
    wait_call(&del);
    int64_t r2 = call_revision(&del);
    call_free(&del);
    client_put(client, "/t2/x", "other prefix");
    int64_t r3 = client_put(client, "/t1/b", "22");
    wait_synced(&w, r3);
    want = xasprintf("put /t1/f=6@%lld del /t1/a@%lld put /t1/b=22@%lld ",
                     (long long)r1, (long long)r2, (long long)r3);
    assert_string_equal(ds_cstr(&w.log), want);
    free(want);
    assert_int_equal(w.resets, 1);
    assert_int_equal(w.downs, 0);

    etcd_client_destroy(client);
    ds_destroy(&w.log);
}

static void test_txn_create_once(void **state)
{
    struct etcd_client *client = etcd_client_create(loop, server.url);
    bool succeeded[2];
    for (int i = 0; i < 2; i++) {
        json_t *cmp = json_array();
        json_array_append_new(cmp,
                              etcd_cmp_create_revision("/t3/id/7", "=", 0));
        json_t *ops = json_array();
        json_array_append_new(ops, etcd_op_put("/t3/id/7", i ? "b" : "a"));
        json_array_append_new(ops, etcd_op_delete("/t3/tmp"));
        struct call c = {0};
        etcd_txn(client, cmp, ops, NULL, call_done, &c);
        wait_call(&c);
        succeeded[i] = json_is_true(json_object_get(c.result, "succeeded"));
        call_free(&c);
    }
    assert_true(succeeded[0]);
    assert_false(succeeded[1]);

    /* The first txn's value stayed. */
    json_t *cmp = json_array();
    json_array_append_new(cmp, etcd_cmp_value("/t3/id/7", "=", "a"));
    struct call c = {0};
    etcd_txn(client, cmp, NULL, NULL, call_done, &c);
    wait_call(&c);
    assert_true(json_is_true(json_object_get(c.result, "succeeded")));
    call_free(&c);
    etcd_client_destroy(client);
}

static void test_lease(void **state)
{
    struct etcd_client *client = etcd_client_create(loop, server.url);
    struct call c = {0};
    etcd_lease_grant(client, 30, call_done, &c);
    wait_call(&c);
    int64_t id = etcd_int64(c.result, "ID");
    assert_true(id > 0);
    assert_int_equal(etcd_int64(c.result, "TTL"), 30);
    call_free(&c);

    etcd_put(client, "/t6/leased", "x", id, call_done, &c);
    wait_call(&c);
    call_free(&c);
    etcd_lease_keepalive(client, id, call_done, &c);
    wait_call(&c);
    assert_int_equal(etcd_int64(c.result, "ID"), id);
    assert_int_equal(etcd_int64(c.result, "TTL"), 30);
    call_free(&c);

    /* The watch sees the lease on the key. */
    struct watcher w = {.log = DS_EMPTY_INITIALIZER};
    etcd_watch_prefix(client, "/t6/", &w_handlers, &w);
    wait_synced(&w, 1);
    assert_non_null(strstr(ds_cstr(&w.log), "put /t6/leased=x@"));

    /* Revoked: the key goes; a keepalive then reports TTL 0. */
    etcd_lease_revoke(client, id, 1000, call_done, &c);
    wait_call(&c);
    int64_t rev = etcd_int64(json_object_get(c.result, "header"), "revision");
    call_free(&c);
    wait_synced(&w, rev);
    assert_non_null(strstr(ds_cstr(&w.log), "del /t6/leased"));
    etcd_lease_keepalive(client, id, call_done, &c);
    wait_call(&c);
    assert_int_equal(etcd_int64(c.result, "TTL"), 0);
    call_free(&c);
    etcd_client_destroy(client);
    ds_destroy(&w.log);
}

struct got {
    bool done, ok, found;
    char value[64];
    int64_t mod_revision;
};

static void got_cb(void *aux, bool ok, const char *error,
                   const struct etcd_kv *kv)
{
    struct got *g = aux;
    g->done = true;
    g->ok = ok;
    g->found = kv != NULL;
    if (kv) {
        snprintf(g->value, sizeof g->value, "%.*s", (int)kv->value_len,
                 kv->value);
        g->mod_revision = kv->mod_revision;
    }
}

/* etcd_get: a key's value and revision, or none; a txn comparing the
 * mod_revision holds only while the key is unchanged. */
static void test_get_and_mod_revision(void **state)
{
    struct etcd_client *client = etcd_client_create(loop, server.url);
    struct got g = {0};
    etcd_get(client, "/t7/none", got_cb, &g);
    assert_true(run_until(&g.done, 10.));
    assert_true(g.ok);
    assert_false(g.found);

    struct call c = {0};
    etcd_put(client, "/t7/k", "v1", 0, call_done, &c);
    wait_call(&c);
    call_free(&c);
    g = (struct got){0};
    etcd_get(client, "/t7/k", got_cb, &g);
    assert_true(run_until(&g.done, 10.));
    assert_true(g.found);
    assert_string_equal(g.value, "v1");
    assert_true(g.mod_revision > 0);

    for (int i = 0; i < 2; i++) {
        json_t *cmp = json_array();
        json_array_append_new(
            cmp, etcd_cmp_mod_revision("/t7/k", "=", g.mod_revision));
        json_t *ops = json_array();
        json_array_append_new(ops, etcd_op_put("/t7/k", "v2"));
        etcd_txn(client, cmp, ops, NULL, call_done, &c);
        wait_call(&c);
        /* The first holds; the second sees the first's write. */
        assert_int_equal(json_is_true(json_object_get(c.result, "succeeded")),
                         i == 0);
        call_free(&c);
    }
    etcd_client_destroy(client);
}

static void test_bad_endpoint(void **state)
{
    assert_null(etcd_client_create(loop, "127.0.0.1:2379"));
    /* Nothing listens on port 1: the request fails, the loop goes on. */
    struct etcd_client *client = etcd_client_create(loop, "http://127.0.0.1:1");
    struct call c = {0};
    etcd_put(client, "/x", "y", 0, call_done, &c);
    assert_true(run_until(&c.done, 5.));
    assert_false(c.ok);
    assert_non_null(c.error);
    assert_null(c.result);
    call_free(&c);
    etcd_client_destroy(client);
}

static void test_watch_survives_restart(void **state)
{
    struct etcd_client *client = etcd_client_create(loop, server.url);
    int64_t r0 = client_put(client, "/t4/a", "1");
    struct watcher w = {.log = DS_EMPTY_INITIALIZER};
    etcd_watch_prefix(client, "/t4/", &w_handlers, &w);
    wait_synced(&w, r0);
    int64_t r1 = client_put(client, "/t4/b", "2");
    wait_synced(&w, r1);
    ds_clear(&w.log);

    /* etcd goes away: the client says so and keeps retrying. */
    etcd_kill();
    bool down = false;
    for (int i = 0; i < 100 && !down; i++) {
        run_for(0.05);
        down = !w.up;
    }
    assert_true(down);
    run_for(0.5); /* A few failed reconnects with backoff. */

    /* It comes back on the same data and port; changes made before the
     * watch reconnects must still arrive, once each. */
    etcd_start();
    int64_t r2 = blocking_put("/t4/c", "3");
    int64_t r3 = blocking_delete("/t4/a");
    wait_synced(&w, r3);
    assert_true(w.up);
    int64_t r4 = client_put(client, "/t4/b", "22");
    wait_synced(&w, r4);
    char *want = xasprintf("put /t4/c=3@%lld del /t4/a@%lld "
                           "put /t4/b=22@%lld ",
                           (long long)r2, (long long)r3, (long long)r4);
    assert_string_equal(ds_cstr(&w.log), want);
    free(want);
    assert_int_equal(w.resets, 1); /* No relist. */
    assert_int_equal(w.downs, 1);
    assert_int_equal(w.ups, 2);
    etcd_client_destroy(client);
    ds_destroy(&w.log);
}

static void test_compaction_relists(void **state)
{
    struct etcd_client *client = etcd_client_create(loop, server.url);
    client_put(client, "/t5/a", "1");
    int64_t r0 = client_put(client, "/t5/b", "2");
    struct watcher w = {.log = DS_EMPTY_INITIALIZER};
    etcd_watch_prefix(client, "/t5/", &w_handlers, &w);
    wait_synced(&w, r0);
    assert_int_equal(w.resets, 1);
    /* An event proves the watch stream is established. */
    wait_synced(&w, client_put(client, "/t5/a", "11"));
    ds_clear(&w.log);

    /* Cut the watch off (the loop does not run until wait_synced()), change
     * keys and compact past the watcher's position. */
    etcd_kill();
    etcd_start();
    blocking_delete("/t5/a");
    blocking_put("/t5/b", "22");
    int64_t r1 = blocking_put("/t5/c", "3");
    json_decref(
        blocking_post("/v3/kv/compaction",
                      json_pack("{s:o}", "revision", etcd_int64_json(r1))));

    wait_synced(&w, r1);
    assert_int_equal(w.resets, 2);
    char *want = xasprintf("reset put /t5/b=22@%lld put /t5/c=3@%lld ",
                           (long long)r1 - 1, (long long)r1);
    assert_string_equal(ds_cstr(&w.log), want);
    free(want);
    ds_clear(&w.log);

    /* And it watches on from the relist's revision. */
    int64_t r2 = client_put(client, "/t5/d", "4");
    wait_synced(&w, r2);
    want = xasprintf("put /t5/d=4@%lld ", (long long)r2);
    assert_string_equal(ds_cstr(&w.log), want);
    free(want);
    etcd_client_destroy(client);
    ds_destroy(&w.log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_then_watch),
        cmocka_unit_test(test_txn_create_once),
        cmocka_unit_test(test_lease),
        cmocka_unit_test(test_get_and_mod_revision),
        cmocka_unit_test(test_bad_endpoint),
        cmocka_unit_test(test_watch_survives_restart),
        cmocka_unit_test(test_compaction_relists),
    };
    if (getenv("ETCD_TEST_DEBUG")) { /* Log every event and retry. */
        vlog_set_levels(NULL, VLF_ANY_DESTINATION, VLL_DBG);
    }
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
