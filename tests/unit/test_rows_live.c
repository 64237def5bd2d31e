/* Tests of reconciler/ovs/rows.c (the OVSDB rows flowsteer owns) against a real
 * ovsdb-server started in a temporary directory on a unix socket: create,
 * no change means no transaction, update, move between bridges, delete only
 * owned rows, name clashes with foreign rows, missing bridges, owned
 * bridges with their controllers.  Foreign rows are made with ovs-vsctl, as
 * an operator would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openvswitch/poll-loop.h"
#include "ovsdb-idl.h"
#include "reconciler/ovs/facts.h"
#include "reconciler/ovs/rows.h"
#include "timeval.h"
#include "util.h"
#include "vswitch-idl.h"

static char dir[64];
static char *remote;
static pid_t server_pid;
static struct ovsdb_idl *idl;
/* The 'changes' of the last converge() (what the daemon logs). */
static char *last_changes;

/* Runs ovs-vsctl --no-wait against the test's database. */
static void vsctl(const char *args)
{
    char *cmd = xasprintf("ovs-vsctl --no-wait --db=%s %s", remote, args);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

/* Runs the IDL until its contents change (or 'ms' pass). */
static void idl_settle(int ms)
{
    unsigned int seqno = ovsdb_idl_get_seqno(idl);
    long long deadline = time_msec() + ms;
    while (time_msec() < deadline) {
        ovsdb_idl_run(idl);
        if (ovsdb_idl_has_ever_connected(idl) &&
            ovsdb_idl_get_seqno(idl) != seqno) {
            return;
        }
        ovsdb_idl_wait(idl);
        poll_timer_wait_until(deadline);
        poll_block();
    }
}

static int group_setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/fs-rows-test.XXXXXX");
    if (!mkdtemp(dir)) {
        return -1;
    }
    remote = xasprintf("unix:%s/db.sock", dir);
    char *cmd = xasprintf("ovsdb-tool create %s/conf.db "
                          "/usr/share/openvswitch/vswitch.ovsschema",
                          dir);
    int rc = system(cmd);
    free(cmd);
    if (rc) {
        return -1;
    }
    server_pid = fork();
    if (!server_pid) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* Never outlive the test. */
        char *db = xasprintf("%s/conf.db", dir);
        char *listen = xasprintf("--remote=p%s", remote);
        char *log = xasprintf("--log-file=%s/ovsdb-server.log", dir);
        char *ctl = xasprintf("--unixctl=%s/ovsdb-server.ctl", dir);
        execlp("ovsdb-server", "ovsdb-server", db, listen, log, ctl,
               (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        char *sock = xasprintf("%s/db.sock", dir);
        bool up = !access(sock, F_OK);
        free(sock);
        if (up) {
            break;
        }
        usleep(20000);
    }
    vsctl("init -- add-br br-int -- add-br br-phys -- add-br br-phys2");
    idl = ovsdb_idl_create(remote, &ovsrec_idl_class, false, true);
    fs_facts_idl_setup(idl);
    idl_settle(5000);
    return ovsdb_idl_has_ever_connected(idl) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    return remove(path);
}

static int group_teardown(void **state)
{
    ovsdb_idl_destroy(idl);
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(remote);
    free(last_changes);
    return 0;
}

/* Desired sets built by hand, as render/ would. */

static void add_port(struct fs_desired *d, const char *bridge, const char *name,
                     const char *peer)
{
    d->ports = xrealloc(d->ports, (d->n_ports + 1) * sizeof *d->ports);
    struct fs_ovsdb_port *p = xmalloc(sizeof *p);
    d->ports[d->n_ports++] = p;
    *p = (struct fs_ovsdb_port){
        .bridge = xstrdup(bridge),
        .name = xstrdup(name),
        .type = xstrdup("patch"),
        .key = xstrdup("/flowsteer/v1/chassis/node1"),
        .path = xstrdup("$.chassis.bridge_mappings"),
    };
    smap_init(&p->options);
    smap_add(&p->options, "peer", peer);
    smap_init(&p->external_ids);
    smap_add(&p->external_ids, FS_OWNER_KEY, "provider:physnet1");
}

static struct fs_desired *provider_pair(const char *phys_bridge)
{
    struct fs_desired *d = xzalloc(sizeof *d);
    add_port(d, "br-int", "fsi-physnet1", "fsp-physnet1");
    add_port(d, phys_bridge, "fsp-physnet1", "fsi-physnet1");
    return d;
}

/* Plans 'd'; commits the transaction if there is one; returns the plan's
 * counts as "creates/updates/deletes/errors", and whether a transaction
 * was made. */
static char *converge(const struct fs_desired *d, bool *made_txn)
{
    struct fs_rows_plan plan;
    struct ovsdb_idl_txn *txn = fs_rows_plan(idl, d, "br-int", &plan);
    *made_txn = txn != NULL;
    if (txn) {
        enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit_block(txn);
        assert_int_equal(status, TXN_SUCCESS);
        ovsdb_idl_txn_destroy(txn);
        idl_settle(200);
    }
    char *counts = xasprintf("%zu/%zu/%zu/%zu", plan.n_creates, plan.n_updates,
                             plan.n_deletes, plan.errors.n);
    free(last_changes);
    last_changes = ds_steal_cstr(&plan.changes);
    fs_errors_destroy(&plan.errors);
    return counts;
}

static const struct ovsrec_port *find_port(const char *name)
{
    const struct ovsrec_port *port;
    OVSREC_PORT_FOR_EACH(port, idl)
    {
        if (!strcmp(port->name, name)) {
            return port;
        }
    }
    return NULL;
}

/* Returns the name of the bridge holding port 'name', or "" if none. */
static const char *bridge_of(const char *name)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH(br, idl)
    {
        for (size_t i = 0; i < br->n_ports; i++) {
            if (!strcmp(br->ports[i]->name, name)) {
                return br->name;
            }
        }
    }
    return "";
}

static void expect(const struct fs_desired *d, const char *counts,
                   bool want_txn)
{
    bool made;
    char *got = converge(d, &made);
    assert_string_equal(got, counts);
    assert_int_equal(made, want_txn);
    free(got);
}

static void test_create_then_nothing(void **state)
{
    struct fs_desired *d = provider_pair("br-phys");
    expect(d, "2/0/0/0", true);
    const struct ovsrec_port *p = find_port("fsi-physnet1");
    assert_non_null(p);
    assert_string_equal(bridge_of("fsi-physnet1"), "br-int");
    assert_string_equal(bridge_of("fsp-physnet1"), "br-phys");
    assert_int_equal(p->n_interfaces, 1);
    assert_string_equal(p->interfaces[0]->type, "patch");
    assert_string_equal(smap_get_def(&p->interfaces[0]->options, "peer", ""),
                        "fsp-physnet1");
    assert_string_equal(smap_get_def(&p->external_ids, FS_OWNER_KEY, ""),
                        "provider:physnet1");
    struct uuid uuid = p->header_.uuid;

    /* Converged: no transaction at all. */
    expect(d, "0/0/0/0", false);
    assert_true(uuid_equals(&find_port("fsi-physnet1")->header_.uuid, &uuid));
    fs_desired_destroy(d);
}

static void test_update_and_move(void **state)
{
    struct fs_desired *d = provider_pair("br-phys");
    expect(d, "0/0/0/0", false);
    struct uuid uuid = find_port("fsp-physnet1")->header_.uuid;

    /* The mapping moves to br-phys2: the same row moves, nothing else. */
    fs_desired_destroy(d);
    d = provider_pair("br-phys2");
    expect(d, "0/1/0/0", true);
    assert_string_equal(bridge_of("fsp-physnet1"), "br-phys2");
    assert_true(uuid_equals(&find_port("fsp-physnet1")->header_.uuid, &uuid));

    /* A changed option is written in place. */
    smap_replace(&d->ports[0]->options, "peer", "fsp-other");
    expect(d, "0/1/0/0", true);
    assert_string_equal(
        smap_get_def(&find_port("fsi-physnet1")->interfaces[0]->options, "peer",
                     ""),
        "fsp-other");
    fs_desired_destroy(d);
}

static void test_delete_only_owned(void **state)
{
    vsctl("add-port br-int foreign0 -- set interface foreign0 type=internal");
    idl_settle(1000);
    struct fs_desired *empty = xzalloc(sizeof *empty);
    expect(empty, "0/0/2/0", true);
    assert_null(find_port("fsi-physnet1"));
    assert_null(find_port("fsp-physnet1"));
    assert_string_equal(bridge_of("foreign0"), "br-int");
    assert_string_equal(bridge_of("br-phys"), "br-phys");
    expect(empty, "0/0/0/0", false);
    fs_desired_destroy(empty);
}

static void test_foreign_name_clash(void **state)
{
    vsctl("add-port br-int fsi-physnet1 -- set interface fsi-physnet1 "
          "type=internal");
    idl_settle(1000);
    struct fs_desired *d = provider_pair("br-phys");
    struct fs_rows_plan plan;
    struct ovsdb_idl_txn *txn = fs_rows_plan(idl, d, "br-int", &plan);
    assert_non_null(txn); /* The provider side is still created. */
    assert_int_equal(plan.n_creates, 1);
    assert_int_equal(plan.n_blocked_int, 1);
    assert_int_equal(plan.errors.n, 1);
    assert_string_equal(plan.errors.items[0].key,
                        "/flowsteer/v1/chassis/node1");
    assert_string_equal(plan.errors.items[0].path, "$.chassis.bridge_mappings");
    assert_non_null(strstr(plan.errors.items[0].message,
                           "port fsi-physnet1 on br-int: a port of that name "
                           "exists and is not flowsteer's"));
    assert_int_equal(ovsdb_idl_txn_commit_block(txn), TXN_SUCCESS);
    ovsdb_idl_txn_destroy(txn);
    fs_errors_destroy(&plan.errors);
    ds_destroy(&plan.changes);
    idl_settle(200);
    /* The foreign row is untouched. */
    const struct ovsrec_port *p = find_port("fsi-physnet1");
    assert_string_equal(p->interfaces[0]->type, "internal");
    assert_null(smap_get(&p->external_ids, FS_OWNER_KEY));

    /* Nothing desired: the foreign port stays, ours goes. */
    struct fs_desired *empty = xzalloc(sizeof *empty);
    expect(empty, "0/0/1/0", true);
    assert_string_equal(bridge_of("fsi-physnet1"), "br-int");
    vsctl("del-port br-int fsi-physnet1");
    idl_settle(1000);
    fs_desired_destroy(empty);
    fs_desired_destroy(d);
}

static void test_missing_bridge(void **state)
{
    struct fs_desired *d = provider_pair("br-missing");
    struct fs_rows_plan plan;
    struct ovsdb_idl_txn *txn = fs_rows_plan(idl, d, "br-int", &plan);
    assert_int_equal(plan.n_creates, 1); /* The br-int side. */
    assert_int_equal(plan.n_blocked_int, 0);
    assert_int_equal(plan.errors.n, 1);
    assert_string_equal(plan.errors.items[0].message,
                        "port fsp-physnet1 on br-missing: the bridge does not "
                        "exist");
    ovsdb_idl_txn_destroy(txn); /* Not committed. */
    fs_errors_destroy(&plan.errors);
    ds_destroy(&plan.changes);
    fs_desired_destroy(d);
}

static struct fs_desired *slice_bridge(const char *controller)
{
    struct fs_desired *d = xzalloc(sizeof *d);
    d->bridges = xzalloc(sizeof *d->bridges);
    d->n_bridges = 1;
    struct fs_ovsdb_bridge *b = xzalloc(sizeof *b);
    d->bridges[0] = b;
    b->name = xstrdup("fs-slice1");
    b->datapath_type = xstrdup("");
    b->fail_mode = xstrdup("secure");
    sset_init(&b->protocols);
    sset_add(&b->protocols, "OpenFlow10");
    sset_add(&b->protocols, "OpenFlow13");
    sset_init(&b->controllers);
    sset_add(&b->controllers, controller);
    smap_init(&b->external_ids);
    smap_add(&b->external_ids, FS_OWNER_KEY, "slice:s1");
    b->key = xstrdup("/flowsteer/v1/slices/s1");
    b->path = xstrdup("$");
    return d;
}

static const struct ovsrec_bridge *find_bridge(const char *name)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH(br, idl)
    {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

static void test_owned_bridge(void **state)
{
    struct fs_desired *d = slice_bridge("tcp:127.0.0.1:6633");
    expect(d, "1/0/0/0", true);
    assert_string_equal(last_changes, "created bridge fs-slice1 (controller "
                                      "tcp:127.0.0.1:6633)");
    const struct ovsrec_bridge *br = find_bridge("fs-slice1");
    assert_non_null(br);
    assert_string_equal(br->fail_mode, "secure");
    assert_int_equal(br->n_protocols, 2);
    assert_int_equal(br->n_controller, 1);
    assert_string_equal(br->controller[0]->target, "tcp:127.0.0.1:6633");
    assert_string_equal(br->controller[0]->connection_mode, "out-of-band");
    assert_string_equal(bridge_of("fs-slice1"), "fs-slice1"); /* Local port. */
    struct uuid bridge_uuid = br->header_.uuid;
    struct uuid ctl_uuid = br->controller[0]->header_.uuid;
    expect(d, "0/0/0/0", false);

    /* Another controller: the bridge and its Controller row are updated
     * in place (same rows: ports and ofports stay). */
    fs_desired_destroy(d);
    d = slice_bridge("tcp:127.0.0.1:6653");
    expect(d, "0/1/0/0", true);
    assert_string_equal(last_changes, "updated bridge fs-slice1 (controller "
                                      "tcp:127.0.0.1:6653)");
    br = find_bridge("fs-slice1");
    assert_string_equal(br->controller[0]->target, "tcp:127.0.0.1:6653");
    assert_true(uuid_equals(&br->header_.uuid, &bridge_uuid));
    assert_true(uuid_equals(&br->controller[0]->header_.uuid, &ctl_uuid));
    expect(d, "0/0/0/0", false);

    /* Gone from the desired set: deleted with its port. */
    struct fs_desired *empty = xzalloc(sizeof *empty);
    expect(empty, "0/0/1/0", true);
    assert_string_equal(last_changes, "deleted bridge fs-slice1");
    assert_null(find_bridge("fs-slice1"));
    assert_null(find_port("fs-slice1"));

    /* A foreign bridge of that name is never taken over. */
    vsctl("add-br fs-slice1");
    idl_settle(1000);
    struct fs_rows_plan plan;
    struct ovsdb_idl_txn *txn = fs_rows_plan(idl, d, "br-int", &plan);
    assert_null(txn);
    assert_int_equal(plan.errors.n, 1);
    assert_non_null(strstr(plan.errors.items[0].message,
                           "bridge fs-slice1 exists and is not flowsteer's"));
    fs_errors_destroy(&plan.errors);
    ds_destroy(&plan.changes);
    expect(empty, "0/0/0/0", false);
    assert_non_null(find_bridge("fs-slice1"));
    fs_desired_destroy(empty);
    fs_desired_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_nothing),
        cmocka_unit_test(test_update_and_move),
        cmocka_unit_test(test_delete_only_owned),
        cmocka_unit_test(test_foreign_name_clash),
        cmocka_unit_test(test_missing_bridge),
        cmocka_unit_test(test_owned_bridge),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
