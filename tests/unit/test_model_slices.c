/* Unit tests for FlowVisor slices and flowspaces in model/
 * (model/controller.c, model/slices.c, model/flowspaces.c): documents in
 * JSON and YAML, bare and in the envelope; the controller normalization
 * table (valid targets and exact messages for invalid ones, on networks
 * and slices); a rejected network's ports rejected; slice rules (missing
 * network, a network in two slices, a network with its own controller,
 * the later document rejected whatever the ids); flowspace rules (missing
 * slice or port, bad match fields, the overlap matrix). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixtures.h"
#include "model/model.h"
#include "model/text.h"

#define NETS "/flowsteer/v1/networks/"
#define PORTS "/flowsteer/v1/ports/"
#define SLICES "/flowsteer/v1/slices/"
#define FSPACES "/flowsteer/v1/flowspaces/"

static void print_errors(const struct fs_snapshot *s)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        print_error("  %s %s %s\n", s->errors.items[i].key,
                    s->errors.items[i].path, s->errors.items[i].message);
    }
}

/* Asserts that 's' has an error with this key, path and message. */
static void assert_has_error(const struct fs_snapshot *s, const char *key,
                             const char *path, const char *message)
{
    for (size_t i = 0; i < s->errors.n; i++) {
        const struct fs_error *e = &s->errors.items[i];
        if (!strcmp(e->key, key) && !strcmp(e->path, path) &&
            !strcmp(e->message, message)) {
            return;
        }
    }
    print_error("want %s %s %s; got:\n", key, path, message);
    print_errors(s);
    fail();
}

/* Asserts that 's' has exactly one error, with this key, path and
 * message. */
static void assert_one_error(const struct fs_snapshot *s, const char *key,
                             const char *path, const char *message)
{
    assert_has_error(s, key, path, message);
    if (s->errors.n != 1) {
        print_errors(s);
        fail();
    }
}

static void assert_no_errors(const struct fs_snapshot *s)
{
    print_errors(s);
    assert_int_equal(s->errors.n, 0);
}

/* Puts network 'id' (vxlan, its own VNI), created at 'rev', with
 * 'controller' (NULL: none). */
static void put_net(struct fs_model *m, const char *id, const char *controller,
                    int64_t rev)
{
    static int vni = 100;
    char *key = xasprintf(NETS "%s", id);
    char *ctl = controller ? xasprintf(", \"controller\": \"%s\"", controller)
                           : xstrdup("");
    char *v = xasprintf("{\"network\": {\"provider:network_type\": "
                        "\"vxlan\", \"provider:segmentation_id\": %d%s}}",
                        vni++, ctl);
    assert_true(fixture_put_at(m, key, v, rev));
    free(key);
    free(ctl);
    free(v);
}

/* Puts port 'id' on network 'net' at 'rev'. */
static void put_port(struct fs_model *m, const char *id, const char *net,
                     int64_t rev)
{
    char *key = xasprintf(PORTS "%s", id);
    char *v = xasprintf("{\"port\": {\"network_id\": \"%s\"}}", net);
    assert_true(fixture_put_at(m, key, v, rev));
    free(key);
    free(v);
}

/* Puts slice 'id' with 'networks' (JSON list text) at 'rev'. */
static void put_slice(struct fs_model *m, const char *id, const char *networks,
                      int64_t rev)
{
    char *key = xasprintf(SLICES "%s", id);
    char *v = xasprintf("{\"slice\": {\"controller\": \"10.9.9.9\", "
                        "\"networks\": %s}}",
                        networks);
    assert_true(fixture_put_at(m, key, v, rev));
    free(key);
    free(v);
}

/* Puts flowspace 'id' of 'slice' at 'priority' with 'match' (JSON object
 * text) at 'rev'. */
static void put_fs(struct fs_model *m, const char *id, const char *slice,
                   int priority, const char *match, int64_t rev)
{
    char *key = xasprintf(FSPACES "%s", id);
    char *v = xasprintf("{\"flowspace\": {\"slice\": \"%s\", \"priority\": "
                        "%d, \"match\": %s}}",
                        slice, priority, match);
    assert_true(fixture_put_at(m, key, v, rev));
    free(key);
    free(v);
}

/* Valid slices and flowspaces, JSON in the envelope and bare YAML: every
 * field as the model gives it to render/, arrays sorted by id. */
static void test_valid_documents(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "n1", NULL, 1);
    put_net(m, "n2", NULL, 2);
    put_net(m, "n3", NULL, 3);
    put_port(m, "p1", "n1", 4);
    fixture_put_at(m, SLICES "red",
                   "{\"slice\": {\"id\": \"red\", \"name\": \"Red\", "
                   "\"controller\": \"Ctl.Example:6634\", \"networks\": "
                   "[\"n2\", \"n1\"]}}",
                   10);
    fixture_put_at(m, SLICES "blue",
                   "name: Blue\ncontroller: ssl:[2001:DB8::9]\n"
                   "networks:\n  - n3\n",
                   11);
    fixture_put_at(
        m, FSPACES "f-red",
        "{\"flowspace\": {\"slice\": \"red\", \"priority\": \"100\", "
        "\"match\": {\"dl_src\": \"FA:16:3E:00:00:01\", "
        "\"dl_dst\": \"fa:16:3e:00:00:02\", \"dl_vlan\": 4095, "
        "\"nw_src\": \"10.1.2.3/16\", \"nw_dst\": \"10.0.0.1\", "
        "\"nw_proto\": 6, \"tp_src\": 0, \"tp_dst\": 65535, "
        "\"in_port\": \"p1\"}}}",
        12);
    fixture_put_at(m, FSPACES "f-blue",
                   "slice: blue\nmatch:\n  nw_dst: 2001:DB8::/32\n", 13);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_no_errors(s);

    assert_int_equal(s->n_slices, 2);
    const struct fs_slice *blue = &s->slices[0], *red = &s->slices[1];
    assert_ptr_equal(fs_snapshot_find(s, FS_SLICE, "red"), red);
    assert_string_equal(blue->meta.id, "blue");
    assert_string_equal(blue->meta.name, "Blue");
    assert_string_equal(blue->controller, "ssl:[2001:DB8::9]");
    assert_string_equal(blue->controller_target, "ssl:[2001:db8::9]:6653");
    assert_int_equal(blue->n_networks, 1);
    assert_string_equal(red->controller_target, "tcp:ctl.example:6634");
    assert_int_equal(red->n_networks, 2);
    assert_string_equal(red->networks[0], "n2");
    assert_string_equal(red->networks[1], "n1");

    assert_int_equal(s->n_flowspaces, 2);
    const struct fs_flowspace *fb = &s->flowspaces[0], *fr = &s->flowspaces[1];
    assert_ptr_equal(fs_snapshot_find(s, FS_FLOWSPACE, "f-red"), fr);
    assert_string_equal(fr->slice, "red");
    assert_int_equal(fr->priority, 100);
    assert_string_equal(fr->match.dl_src, "fa:16:3e:00:00:01");
    assert_string_equal(fr->match.dl_dst, "fa:16:3e:00:00:02");
    assert_int_equal(fr->match.dl_vlan, 4095);
    assert_string_equal(fr->match.nw_src, "10.1.0.0/16");
    assert_string_equal(fr->match.nw_dst, "10.0.0.1/32");
    assert_int_equal(fr->match.nw_proto, 6);
    assert_int_equal(fr->match.tp_src, 0);
    assert_int_equal(fr->match.tp_dst, 65535);
    assert_string_equal(fr->match.in_port, "p1");
    assert_string_equal(fb->slice, "blue");
    assert_int_equal(fb->priority, 0);
    assert_null(fb->match.dl_src);
    assert_null(fb->match.nw_src);
    assert_string_equal(fb->match.nw_dst, "2001:db8::/32");
    assert_int_equal(fb->match.dl_vlan, -1);
    assert_int_equal(fb->match.nw_proto, -1);
    assert_int_equal(fb->match.tp_src, -1);
    assert_int_equal(fb->match.tp_dst, -1);
    assert_null(fb->match.in_port);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* The controller of a network and of a slice: the plugin's host[:port]
 * (default 6633) and OVS's tcp:/ssl: targets (default 6653), normalized. */
static void test_controller_targets(void **state)
{
    static const char *const cases[][2] = {
        {"10.2.2.2", "tcp:10.2.2.2:6633"},
        {"somehost:6666", "tcp:somehost:6666"},
        {"10.0.2.2:6667", "tcp:10.0.2.2:6667"},
        {"SomeHost.Example", "tcp:somehost.example:6633"},
        {"ctl-1.example.org:1", "tcp:ctl-1.example.org:1"},
        {"2001:DB8::2", "tcp:[2001:db8::2]:6633"},
        {"[2001:db8:0::2]:6653", "tcp:[2001:db8::2]:6653"},
        {"[::1]", "tcp:[::1]:6633"},
        {"tcp:10.0.0.1", "tcp:10.0.0.1:6653"},
        {"tcp:10.0.0.1:6634", "tcp:10.0.0.1:6634"},
        {"tcp:[::ffff:10.0.0.1]:65535", "tcp:[::ffff:10.0.0.1]:65535"},
        {"ssl:Ctl.Example:6653", "ssl:ctl.example:6653"},
        {"ssl:[2001:db8::1]", "ssl:[2001:db8::1]:6653"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fs_model *m = fs_model_create();
        put_net(m, "n", cases[i][0], 1);
        char *v = xasprintf("{\"controller\": \"%s\"}", cases[i][0]);
        fixture_put_at(m, SLICES "s", v, 2);
        struct fs_snapshot *s = fs_snapshot_build(m);
        assert_no_errors(s);
        const struct fs_network *n = fs_snapshot_find(s, FS_NETWORK, "n");
        const struct fs_slice *sl = fs_snapshot_find(s, FS_SLICE, "s");
        assert_string_equal(n->controller, cases[i][0]);
        assert_string_equal(n->controller_target, cases[i][1]);
        assert_string_equal(sl->controller_target, cases[i][1]);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
        free(v);
    }
}

/* Invalid controllers: exact messages, on a network ($.network.controller)
 * and on a slice ($.slice.controller); a network without controller has
 * none. */
static void test_controller_errors(void **state)
{
    static const char *const only =
        ": only host[:port], tcp:host[:port] and ssl:host[:port] name a "
        "controller to connect to";
    static const char *const cases[][2] = {
        {"10.0.2.2:66666", "port \"66666\" is not 1..65535"},
        {"10.0.2.2:", "port \"\" is not 1..65535"},
        {"10.0.2.2:0", "port \"0\" is not 1..65535"},
        {"10.0.2.2:+5", "port \"+5\" is not 1..65535"},
        {"10.0.2.2:80x", "port \"80x\" is not 1..65535"},
        {"bad host!", "\"bad host!\" is not a host name or IP address"},
        {"", "\"\" is not a host name or IP address"},
        {"10.0.0", "\"10.0.0\" is not a host name or IP address"},
        {"a..b", "\"a..b\" is not a host name or IP address"},
        {"[::1", "\"[::1\" is not host[:port]"},
        {"[::1]x", "\"[::1]x\" is not host[:port]"},
        {"[10.0.0.1]:80",
         "\"10.0.0.1\" is not an IPv6 address (only IPv6 goes in brackets)"},
        {"tcp:2001:db8::1",
         "\"2001:db8::1\": an IPv6 address needs brackets in tcp:host[:port]"},
        {"tcp:", "\"\" is not a host name or IP address"},
        {"tcp:[::1]x", "\"[::1]x\" is not tcp:host[:port]"},
        {"ssl:h:99999", "port \"99999\" is not 1..65535"},
        {"ptcp:6653", NULL},
        {"pssl:", NULL},
        {"unix:/var/run/c.sock", NULL},
        {"punix:/x", NULL},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *msg = cases[i][1]
                        ? xstrdup(cases[i][1])
                        : xasprintf("%s%s", fs_quote(cases[i][0]).s, only);
        struct fs_model *m = fs_model_create();
        put_net(m, "n", cases[i][0], 1);
        struct fs_snapshot *s = fs_snapshot_build(m);
        assert_one_error(s, NETS "n", "$.network.controller", msg);
        fs_snapshot_destroy(s);
        fixture_delete(m, NETS "n");
        char *v = xasprintf("controller: '%s'\n", cases[i][0]);
        fixture_put_at(m, SLICES "s", v, 2);
        s = fs_snapshot_build(m);
        assert_one_error(s, SLICES "s", "$.controller", msg);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
        free(v);
        free(msg);
    }
    struct fs_model *m = fs_model_create();
    put_net(m, "n", NULL, 1);
    fixture_put_at(m, SLICES "s", "{\"networks\": []}", 2);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_one_error(s, SLICES "s", "$.controller",
                     "required field is missing");
    assert_null(
        ((const struct fs_network *)fs_snapshot_find(s, FS_NETWORK, "n"))
            ->controller_target);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A network whose controller is invalid is rejected, and so are its ports
 * (they are not switched at all, rather than unsliced); another network's
 * port is not touched. */
static void test_rejected_network_ports(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "bad", "10.0.0.1:0", 1);
    put_net(m, "good", "10.0.0.1:6633", 2);
    put_port(m, "p1", "bad", 3);
    put_port(m, "p2", "bad", 4);
    put_port(m, "q", "good", 5);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 3);
    assert_has_error(s, NETS "bad", "$.network.controller",
                     "port \"0\" is not 1..65535");
    assert_has_error(s, PORTS "p1", "$.port.network_id",
                     "network \"bad\" does not exist or was rejected");
    assert_has_error(s, PORTS "p2", "$.port.network_id",
                     "network \"bad\" does not exist or was rejected");
    assert_int_equal(s->n_ports, 1);
    assert_non_null(fs_snapshot_find(s, FS_PORT, "q"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A slice naming a missing or rejected network is rejected, at the
 * network's index; a network listed twice is a parse error. */
static void test_slice_missing_network(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "n1", NULL, 1);
    put_net(m, "bad", "x:y", 2);
    put_slice(m, "s1", "[\"n1\", \"nx\"]", 3);
    put_slice(m, "s2", "[\"bad\"]", 4);
    put_slice(m, "s3", "[\"n1\", \"n1\"]", 5);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 4);
    assert_has_error(s, SLICES "s1", "$.slice.networks[1]",
                     "network \"nx\" does not exist or was rejected");
    assert_has_error(s, SLICES "s2", "$.slice.networks[0]",
                     "network \"bad\" does not exist or was rejected");
    assert_has_error(s, SLICES "s3", "$.slice.networks[1]",
                     "\"n1\" is listed twice");
    assert_int_equal(s->n_slices, 0);
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A network in two slices: the later slice (create_revision, then key) is
 * rejected, whether its id sorts first or last; the earlier one keeps the
 * network; a third slice on another network is untouched. */
static void test_network_in_two_slices(void **state)
{
    for (int order = 0; order < 2; order++) {
        const char *early = order ? "zz-early" : "aa-early";
        const char *late = order ? "aa-late" : "zz-late";
        struct fs_model *m = fs_model_create();
        put_net(m, "n1", NULL, 1);
        put_net(m, "n2", NULL, 2);
        put_slice(m, late, "[\"n2\", \"n1\"]", 30);
        put_slice(m, early, "[\"n1\"]", 20);
        put_slice(m, "other", "[]", 40);
        struct fs_snapshot *s = fs_snapshot_build(m);
        char *key = xasprintf(SLICES "%s", late);
        char *msg = xasprintf("network \"n1\" is already in slice \"%s\", "
                              "which came first",
                              early);
        assert_one_error(s, key, "$.slice.networks[1]", msg);
        assert_non_null(fs_snapshot_find(s, FS_SLICE, early));
        assert_non_null(fs_snapshot_find(s, FS_SLICE, "other"));
        assert_null(fs_snapshot_find(s, FS_SLICE, late));
        free(key);
        free(msg);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }
    /* Same create_revision: the higher key is the later one. */
    struct fs_model *m = fs_model_create();
    put_net(m, "n1", NULL, 1);
    put_slice(m, "b", "[\"n1\"]", 5);
    put_slice(m, "a", "[\"n1\"]", 5);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_one_error(s, SLICES "b", "$.slice.networks[0]",
                     "network \"n1\" is already in slice \"a\", which came "
                     "first");
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A network with its own controller in a slice: the later document loses.
 * The slice came later: the slice is rejected naming the network.  The
 * network came later: the network is rejected (and its ports), the slice
 * stays. */
static void test_network_own_controller(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "n1", "10.0.0.7", 1);
    put_net(m, "n2", NULL, 2);
    put_port(m, "p1", "n1", 3);
    put_slice(m, "s", "[\"n2\", \"n1\"]", 10);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_one_error(s, SLICES "s", "$.slice.networks[1]",
                     "network \"n1\" has its own controller \"10.0.0.7\", "
                     "and came first");
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "n1"));
    assert_non_null(fs_snapshot_find(s, FS_PORT, "p1"));
    fs_snapshot_destroy(s);

    fixture_delete(m, NETS "n1");
    put_net(m, "n1", "10.0.0.7", 20);
    s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 2);
    assert_has_error(s, NETS "n1", "$.network.controller",
                     "the network is in slice \"s\", which came first: a "
                     "network in a slice has the slice's controller, not its "
                     "own");
    assert_has_error(s, PORTS "p1", "$.port.network_id",
                     "network \"n1\" does not exist or was rejected");
    const struct fs_slice *sl = fs_snapshot_find(s, FS_SLICE, "s");
    assert_non_null(sl);
    assert_int_equal(sl->n_networks, 2);
    assert_null(fs_snapshot_find(s, FS_NETWORK, "n1"));
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "n2"));
    fs_snapshot_destroy(s);

    /* A slice rejected for another reason rejects no network. */
    put_slice(m, "s", "[\"n1\", \"nx\"]", 10);
    s = fs_snapshot_build(m);
    assert_one_error(s, SLICES "s", "$.slice.networks[1]",
                     "network \"nx\" does not exist or was rejected");
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "n1"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A rejected slice holds the networks it names that were created with it
 * or after it (rejected, and their ports), never one that ran before it,
 * one another slice has, or one with its own controller; fixed, it
 * releases them. */
static void test_rejected_slice_holds(void **state)
{
    static const char *const held_msg =
        "the network is in slice document \"/flowsteer/v1/slices/s\", "
        "which was rejected (see its error): a network created for a slice "
        "is not switched without it";
    struct fs_model *m = fs_model_create();
    put_net(m, "n-old", NULL, 1);
    put_net(m, "n-taken", NULL, 2);
    put_slice(m, "first", "[\"n-taken\"]", 3);
    assert_true(fixture_put_at(m, SLICES "s",
                               "{\"slice\": {\"controller\": \"x:y\", "
                               "\"networks\": [\"n-old\", \"n-same\", "
                               "\"n-new\", \"n-taken\", \"n-own\"]}}",
                               5));
    put_net(m, "n-same", NULL, 5);
    put_net(m, "n-new", NULL, 6);
    put_port(m, "p-new", "n-new", 7);
    put_net(m, "n-own", "10.0.0.8", 8);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 4);
    assert_has_error(s, NETS "n-same", "$.network", held_msg);
    assert_has_error(s, NETS "n-new", "$.network", held_msg);
    assert_has_error(s, PORTS "p-new", "$.port.network_id",
                     "network \"n-new\" does not exist or was rejected");
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "n-old"));
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "n-taken"));
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "n-own"));
    fs_snapshot_destroy(s);

    /* A slice a rule rejects (a missing network) holds the same way. */
    put_slice(m, "s", "[\"n-old\", \"n-new\", \"nx\"]", 5);
    s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 3);
    assert_has_error(s, SLICES "s", "$.slice.networks[2]",
                     "network \"nx\" does not exist or was rejected");
    assert_has_error(s, NETS "n-new", "$.network", held_msg);
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "n-old"));
    assert_non_null(fs_snapshot_find(s, FS_NETWORK, "n-same"));
    fs_snapshot_destroy(s);

    /* Fixed: it has its networks, nothing is held. */
    put_slice(m, "s", "[\"n-old\", \"n-new\", \"n-same\"]", 5);
    s = fs_snapshot_build(m);
    assert_no_errors(s);
    assert_non_null(fs_snapshot_find(s, FS_PORT, "p-new"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* A flowspace needs a valid slice and, if it names one, a valid in_port. */
static void test_flowspace_refs(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "n1", NULL, 1);
    put_port(m, "p1", "n1", 2);
    put_port(m, "pbad", "nx", 3);
    put_slice(m, "s", "[\"n1\"]", 4);
    put_slice(m, "sbad", "[\"nx\"]", 5);
    put_fs(m, "f1", "nope", 0, "{}", 10);
    put_fs(m, "f2", "sbad", 0, "{}", 11);
    put_fs(m, "f3", "s", 0, "{\"in_port\": \"pbad\"}", 12);
    put_fs(m, "f4", "s", 0, "{\"in_port\": \"p9\"}", 13);
    put_fs(m, "ok", "s", 0, "{\"in_port\": \"p1\"}", 14);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 6);
    assert_has_error(s, FSPACES "f1", "$.flowspace.slice",
                     "slice \"nope\" does not exist or was rejected");
    assert_has_error(s, FSPACES "f2", "$.flowspace.slice",
                     "slice \"sbad\" does not exist or was rejected");
    assert_has_error(s, FSPACES "f3", "$.flowspace.match.in_port",
                     "port \"pbad\" does not exist or was rejected");
    assert_has_error(s, FSPACES "f4", "$.flowspace.match.in_port",
                     "port \"p9\" does not exist or was rejected");
    assert_int_equal(s->n_flowspaces, 1);
    assert_non_null(fs_snapshot_find(s, FS_FLOWSPACE, "ok"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

/* Bad flowspace documents: exact path and message for each. */
static void test_flowspace_bad_fields(void **state)
{
    static const char *const cases[][3] = {
        {"{\"slice\": \"s\"}", "$.match", "required field is missing"},
        {"{\"slice\": \"s\", \"match\": null}", "$.match",
         "required field is missing"},
        {"{\"slice\": \"s\", \"match\": []}", "$.match", "must be an object"},
        {"{\"match\": {}}", "$.slice", "required field is missing"},
        {"{\"slice\": 5, \"match\": {}}", "$.slice", "must be a string"},
        {"{\"slice\": \"s\", \"priority\": 65536, \"match\": {}}", "$.priority",
         "65536 is out of range 0..65535"},
        {"{\"slice\": \"s\", \"priority\": -1, \"match\": {}}", "$.priority",
         "-1 is out of range 0..65535"},
        {"{\"slice\": \"s\", \"match\": {\"dl_type\": 2048}}", "$.match",
         "unknown match field \"dl_type\" (known: dl_src, dl_dst, dl_vlan, "
         "nw_src, nw_dst, nw_proto, tp_src, tp_dst, in_port)"},
        {"{\"slice\": \"s\", \"match\": {\"dl_src\": \"fa:16:3e:00:00\"}}",
         "$.match.dl_src", "\"fa:16:3e:00:00\" is not a MAC address"},
        {"{\"slice\": \"s\", \"match\": {\"dl_dst\": 7}}", "$.match.dl_dst",
         "must be a string"},
        {"{\"slice\": \"s\", \"match\": {\"dl_vlan\": 4096}}",
         "$.match.dl_vlan", "4096 is out of range 0..4095"},
        {"{\"slice\": \"s\", \"match\": {\"nw_src\": \"10.0.0.300\"}}",
         "$.match.nw_src", "\"10.0.0.300\" is not an IPv4 prefix"},
        {"{\"slice\": \"s\", \"match\": {\"nw_dst\": \"10.0.0.0/33\"}}",
         "$.match.nw_dst", "\"10.0.0.0/33\": prefix length must be 0..32"},
        {"{\"slice\": \"s\", \"match\": {\"nw_dst\": \"2001:db8::/129\"}}",
         "$.match.nw_dst", "\"2001:db8::/129\": prefix length must be 0..128"},
        {"{\"slice\": \"s\", \"match\": {\"nw_src\": \"10.0.0.1\", "
         "\"nw_dst\": \"::1\"}}",
         "$.match.nw_dst",
         "\"::1/128\" and nw_src \"10.0.0.1/32\" are not of one IP version"},
        {"{\"slice\": \"s\", \"match\": {\"nw_proto\": 256}}",
         "$.match.nw_proto", "256 is out of range 0..255"},
        {"{\"slice\": \"s\", \"match\": {\"tp_dst\": 80}}", "$.match.nw_proto",
         "tp_src and tp_dst need nw_proto 6 (TCP), 17 (UDP) or 132 (SCTP)"},
        {"{\"slice\": \"s\", \"match\": {\"nw_proto\": 1, \"tp_src\": 8}}",
         "$.match.nw_proto",
         "tp_src and tp_dst need nw_proto 6 (TCP), 17 (UDP) or 132 (SCTP)"},
        {"{\"slice\": \"s\", \"match\": {\"nw_proto\": 17, \"tp_src\": "
         "65536}}",
         "$.match.tp_src", "65536 is out of range 0..65535"},
        {"{\"slice\": \"s\", \"match\": {\"in_port\": [\"p\"]}}",
         "$.match.in_port", "must be a string"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fs_model *m = fs_model_create();
        put_net(m, "n1", NULL, 1);
        put_slice(m, "s", "[\"n1\"]", 2);
        fixture_put_at(m, FSPACES "f", cases[i][0], 3);
        struct fs_snapshot *s = fs_snapshot_build(m);
        assert_one_error(s, FSPACES "f", cases[i][1], cases[i][2]);
        assert_int_equal(s->n_flowspaces, 0);
        fs_snapshot_destroy(s);
        fs_model_destroy(m);
    }
}

/* Two flowspaces: the earlier one's match and slice and priority, the
 * later one's, and whether the later one is rejected. */
struct overlap_case {
    const char *a;
    int pa;
    const char *b;
    int pb;
    bool same_slice;
    bool clash;
};

static const struct overlap_case overlap_cases[] = {
    /* Disjoint MACs, the same MAC, one side any. */
    {"{\"dl_src\": \"fa:16:3e:00:00:01\"}", 5,
     "{\"dl_src\": \"fa:16:3e:00:00:02\"}", 5, false, false},
    {"{\"dl_src\": \"fa:16:3e:00:00:01\"}", 5,
     "{\"dl_src\": \"FA:16:3E:00:00:01\"}", 5, false, true},
    {"{\"dl_src\": \"fa:16:3e:00:00:01\"}", 5,
     "{\"dl_dst\": \"fa:16:3e:00:00:01\"}", 5, false, true},
    {"{}", 0, "{}", 0, false, true},
    /* Prefixes: intersecting, nested, disjoint, other IP version. */
    {"{\"nw_src\": \"10.0.0.0/8\"}", 1, "{\"nw_src\": \"10.1.0.0/16\"}", 1,
     false, true},
    {"{\"nw_dst\": \"10.0.0.0/24\"}", 1, "{\"nw_dst\": \"10.0.1.0/24\"}", 1,
     false, false},
    {"{\"nw_src\": \"2001:db8::/32\"}", 1, "{\"nw_dst\": \"10.0.0.1\"}", 1,
     false, false},
    {"{\"nw_src\": \"2001:db8::/32\"}", 1, "{\"nw_src\": \"2001:db8:1::1\"}", 1,
     false, true},
    /* VLAN, protocol, ports, in_port. */
    {"{\"dl_vlan\": 10}", 2, "{\"dl_vlan\": 11}", 2, false, false},
    {"{\"nw_proto\": 6, \"tp_dst\": 80}", 2,
     "{\"nw_proto\": 6, \"tp_dst\": 443}", 2, false, false},
    {"{\"nw_proto\": 6, \"tp_dst\": 80}", 2,
     "{\"nw_proto\": 17, \"tp_dst\": 80}", 2, false, false},
    {"{\"nw_proto\": 6, \"tp_dst\": 80}", 2, "{\"tp_src\": 9, \"nw_proto\": 6}",
     2, false, true},
    {"{\"in_port\": \"p1\"}", 3, "{\"in_port\": \"p2\"}", 3, false, false},
    {"{\"in_port\": \"p1\"}", 3,
     "{\"in_port\": \"p1\", \"dl_src\": \"fa:16:3e:00:00:09\"}", 3, false,
     true},
    /* Different priorities never clash, the same slice never clashes. */
    {"{}", 0, "{}", 1, false, false},
    {"{\"dl_src\": \"fa:16:3e:00:00:01\"}", 7,
     "{\"dl_src\": \"fa:16:3e:00:00:01\"}", 8, false, false},
    {"{}", 0, "{}", 0, true, false},
};

/* The overlap matrix, each case with the later flowspace's id sorting
 * first and last: the later one (create_revision) is rejected. */
static void test_overlap_matrix(void **state)
{
    for (size_t i = 0; i < ARRAY_SIZE(overlap_cases); i++) {
        const struct overlap_case *c = &overlap_cases[i];
        for (int order = 0; order < 2; order++) {
            const char *early = order ? "zz-early" : "aa-early";
            const char *late = order ? "aa-late" : "zz-late";
            struct fs_model *m = fs_model_create();
            put_net(m, "n1", NULL, 1);
            put_net(m, "n2", NULL, 2);
            put_port(m, "p1", "n1", 3);
            put_port(m, "p2", "n2", 4);
            put_slice(m, "red", "[\"n1\"]", 5);
            put_slice(m, "blue", "[\"n2\"]", 6);
            put_fs(m, late, c->same_slice ? "red" : "blue", c->pb, c->b, 30);
            put_fs(m, early, "red", c->pa, c->a, 20);
            struct fs_snapshot *s = fs_snapshot_build(m);
            if (c->clash) {
                char *key = xasprintf(FSPACES "%s", late);
                char *msg = xasprintf("overlaps flowspace \"%s\" of slice "
                                      "\"red\" at priority %d, which came "
                                      "first",
                                      early, c->pb);
                assert_one_error(s, key, "$.flowspace.match", msg);
                assert_null(fs_snapshot_find(s, FS_FLOWSPACE, late));
                free(key);
                free(msg);
            } else {
                if (s->errors.n) {
                    print_error("case %zu\n", i);
                }
                assert_no_errors(s);
                assert_non_null(fs_snapshot_find(s, FS_FLOWSPACE, late));
            }
            assert_non_null(fs_snapshot_find(s, FS_FLOWSPACE, early));
            fs_snapshot_destroy(s);
            fs_model_destroy(m);
        }
    }
}

/* A rejected flowspace blocks no one: of three overlapping ones at one
 * priority (red, blue, red), only blue is rejected; the third clashes with
 * the first, of its own slice, and not with the rejected blue one.  A
 * flowspace whose slice was rejected blocks no one either. */
static void test_rejected_flowspace_blocks_none(void **state)
{
    struct fs_model *m = fs_model_create();
    put_net(m, "n1", NULL, 1);
    put_net(m, "n2", NULL, 2);
    put_slice(m, "red", "[\"n1\"]", 3);
    put_slice(m, "blue", "[\"n2\"]", 4);
    put_slice(m, "gone", "[\"nx\"]", 5);
    put_fs(m, "g", "gone", 9, "{}", 9);
    put_fs(m, "f1", "red", 9, "{\"nw_src\": \"10.0.0.0/8\"}", 10);
    put_fs(m, "f2", "blue", 9, "{\"nw_src\": \"10.0.0.0/16\"}", 11);
    put_fs(m, "f3", "red", 9, "{\"nw_src\": \"10.0.0.1\"}", 12);
    struct fs_snapshot *s = fs_snapshot_build(m);
    assert_int_equal(s->errors.n, 3);
    assert_has_error(s, FSPACES "f2", "$.flowspace.match",
                     "overlaps flowspace \"f1\" of slice \"red\" at priority "
                     "9, which came first");
    assert_int_equal(s->n_flowspaces, 2);
    assert_non_null(fs_snapshot_find(s, FS_FLOWSPACE, "f3"));
    fs_snapshot_destroy(s);
    fs_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_controller_targets),
        cmocka_unit_test(test_controller_errors),
        cmocka_unit_test(test_rejected_network_ports),
        cmocka_unit_test(test_slice_missing_network),
        cmocka_unit_test(test_network_in_two_slices),
        cmocka_unit_test(test_network_own_controller),
        cmocka_unit_test(test_rejected_slice_holds),
        cmocka_unit_test(test_flowspace_refs),
        cmocka_unit_test(test_flowspace_bad_fields),
        cmocka_unit_test(test_overlap_matrix),
        cmocka_unit_test(test_rejected_flowspace_blocks_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
