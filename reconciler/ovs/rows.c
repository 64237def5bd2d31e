/* The OVSDB rows flowsteer owns: see reconciler/ovs/rows.h. */
#include "reconciler/ovs/rows.h"

#include <stdarg.h>
#include <string.h>

#include "ovsdb-idl.h"
#include "util.h"
#include "vswitch-idl.h"

struct rows_ctx {
    struct ovsdb_idl *idl;
    struct ovsdb_idl_txn *txn; /* Created at the first change. */
    const char *int_bridge;
    struct fs_rows_plan *plan;
    struct shash bridges;        /* Name -> ovsrec_bridge (also created). */
    struct shash ports;          /* Name -> ovsrec_port. */
    struct shash port_bridge;    /* Port name -> the bridge holding it. */
    struct sset want_bridges;    /* Names of desired bridges. */
    struct sset want_ports;      /* Names of desired ports. */
    struct sset deleted_bridges; /* Owned bridges deleted in this txn. */
};

/* Counts one row change and describes it in the plan's 'changes' (the
 * first FS_ROWS_LOG_MAX only; fs_rows_plan() adds "and N more"). */
static void OVS_PRINTF_FORMAT(3, 4)
    changed(struct rows_ctx *c, size_t *counter, const char *fmt, ...)
{
    size_t n = c->plan->n_creates + c->plan->n_updates + c->plan->n_deletes;
    (*counter)++;
    if (n < FS_ROWS_LOG_MAX) {
        va_list args;
        va_start(args, fmt);
        ds_put_cstr(&c->plan->changes, n ? ", " : "");
        ds_put_format_valist(&c->plan->changes, fmt, args);
        va_end(args);
    }
}

/* The controller targets of 'b', for the log ("" if none). */
static char *targets_text(const struct fs_ovsdb_bridge *b)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    const char *target;
    SSET_FOR_EACH(target, &b->controllers)
    {
        ds_put_format(&s, "%scontroller %s", s.length ? ", " : " (", target);
    }
    ds_put_cstr(&s, s.length ? ")" : "");
    return ds_steal_cstr(&s);
}

static bool is_owned(const struct smap *external_ids)
{
    return smap_get(external_ids, FS_OWNER_KEY) != NULL;
}

static struct ovsdb_idl_txn *txn(struct rows_ctx *c)
{
    if (!c->txn) {
        c->txn = ovsdb_idl_txn_create(c->idl);
        ovsdb_idl_txn_add_comment(c->txn, "flowsteerd: converge owned rows");
    }
    return c->txn;
}

static void index_rows(struct rows_ctx *c)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH(br, c->idl)
    {
        shash_add_once(&c->bridges, br->name, br);
        for (size_t i = 0; i < br->n_ports; i++) {
            shash_add_once(&c->port_bridge, br->ports[i]->name, br);
        }
    }
    const struct ovsrec_port *port;
    OVSREC_PORT_FOR_EACH(port, c->idl)
    {
        shash_add_once(&c->ports, port->name, port);
    }
}

/* Bridges. */

/* Controllers flowsteer creates connect out of band: the switch reaches
 * them through the host's network stack, and no in-band hidden flows are
 * set up on the bridge (ovs-vswitchd.conf.db(5), Controller
 * connection_mode). */
static const char *const conn_mode = "out-of-band";

static bool controllers_equal(const struct ovsrec_bridge *br,
                              const struct sset *targets)
{
    if (br->n_controller != sset_count(targets)) {
        return false;
    }
    for (size_t i = 0; i < br->n_controller; i++) {
        const struct ovsrec_controller *ctl = br->controller[i];
        if (!sset_contains(targets, ctl->target) || !ctl->connection_mode ||
            strcmp(ctl->connection_mode, conn_mode)) {
            return false;
        }
    }
    return true;
}

/* Points 'br''s controllers at 'targets': the Controller rows it has are
 * updated in place (a changed target keeps its row: the bridge, its ports
 * and their ofports stay), rows are added or dropped for a changed
 * count. */
static void controllers_write(struct rows_ctx *c,
                              const struct ovsrec_bridge *br,
                              const struct sset *targets)
{
    size_t n = sset_count(targets), i = 0;
    struct ovsrec_controller **ctrls = xcalloc(n + 1, sizeof *ctrls);
    const char **sorted = sset_sort(targets);
    for (i = 0; i < n; i++) {
        ctrls[i] = i < br->n_controller ? CONST_CAST(struct ovsrec_controller *,
                                                     br->controller[i])
                                        : ovsrec_controller_insert(txn(c));
        if (!ctrls[i]->target || strcmp(ctrls[i]->target, sorted[i])) {
            ovsrec_controller_set_target(ctrls[i], sorted[i]);
        }
        if (!ctrls[i]->connection_mode ||
            strcmp(ctrls[i]->connection_mode, conn_mode)) {
            ovsrec_controller_set_connection_mode(ctrls[i], conn_mode);
        }
    }
    if (n != br->n_controller) {
        ovsrec_bridge_set_controller(br, ctrls, n);
    }
    free(sorted);
    free(ctrls);
}

static bool protocols_equal(const struct ovsrec_bridge *br,
                            const struct sset *protocols)
{
    if (br->n_protocols != sset_count(protocols)) {
        return false;
    }
    for (size_t i = 0; i < br->n_protocols; i++) {
        if (!sset_contains(protocols, br->protocols[i])) {
            return false;
        }
    }
    return true;
}

bool fs_rows_bridge_differs(const struct ovsrec_bridge *br,
                            const struct fs_ovsdb_bridge *want)
{
    return strcmp(br->datapath_type, want->datapath_type) ||
           strcmp(br->fail_mode ? br->fail_mode : "", want->fail_mode) ||
           !protocols_equal(br, &want->protocols) ||
           !controllers_equal(br, &want->controllers) ||
           !smap_equal(&br->external_ids, &want->external_ids);
}

static void bridge_write(struct rows_ctx *c, const struct ovsrec_bridge *br,
                         const struct fs_ovsdb_bridge *want)
{
    txn(c);
    ovsrec_bridge_set_datapath_type(br, want->datapath_type);
    ovsrec_bridge_set_fail_mode(br, *want->fail_mode ? want->fail_mode : NULL);
    const char **protocols = sset_array(&want->protocols);
    ovsrec_bridge_set_protocols(br, protocols, sset_count(&want->protocols));
    free(protocols);
    if (!controllers_equal(br, &want->controllers)) {
        controllers_write(c, br, &want->controllers);
    }
    ovsrec_bridge_set_external_ids(br, &want->external_ids);
}

/* Inserts an interface and its port named 'name' into 'br'. */
static const struct ovsrec_port *port_insert(struct rows_ctx *c,
                                             const struct ovsrec_bridge *br,
                                             const char *name, const char *type,
                                             const struct smap *options,
                                             const struct smap *external_ids)
{
    struct ovsrec_interface *iface = ovsrec_interface_insert(txn(c));
    ovsrec_interface_set_name(iface, name);
    ovsrec_interface_set_type(iface, type);
    ovsrec_interface_set_options(iface, options);
    ovsrec_interface_set_external_ids(iface, external_ids);
    struct ovsrec_port *port = ovsrec_port_insert(txn(c));
    ovsrec_port_set_name(port, name);
    ovsrec_port_set_interfaces(port, &iface, 1);
    ovsrec_port_set_external_ids(port, external_ids);
    ovsrec_bridge_update_ports_addvalue(br, port);
    return port;
}

static void bridge_create(struct rows_ctx *c,
                          const struct fs_ovsdb_bridge *want)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(c->idl);
    if (!ovs) {
        fs_errors_add(&c->plan->errors, want->key, want->path,
                      "cannot create bridge %s: the database has no "
                      "Open_vSwitch row",
                      want->name);
        return;
    }
    struct ovsrec_bridge *br = ovsrec_bridge_insert(txn(c));
    ovsrec_bridge_set_name(br, want->name);
    bridge_write(c, br, want);
    /* The bridge's local port, as ovs-vsctl add-br makes it. */
    struct smap none = SMAP_INITIALIZER(&none);
    port_insert(c, br, want->name, "internal", &none, &want->external_ids);
    sset_add(&c->want_ports, want->name);
    ovsrec_open_vswitch_update_bridges_addvalue(ovs, br);
    shash_add(&c->bridges, want->name, br);
    char *targets = targets_text(want);
    changed(c, &c->plan->n_creates, "created bridge %s%s", want->name, targets);
    free(targets);
}

static void converge_bridge(struct rows_ctx *c,
                            const struct fs_ovsdb_bridge *want)
{
    const struct ovsrec_bridge *br = shash_find_data(&c->bridges, want->name);
    if (!br) {
        bridge_create(c, want);
    } else if (!is_owned(&br->external_ids)) {
        fs_errors_add(&c->plan->errors, want->key, want->path,
                      "bridge %s exists and is not flowsteer's (no "
                      "external_ids:" FS_OWNER_KEY "): left alone",
                      want->name);
    } else {
        sset_add(&c->want_ports, want->name); /* Its local port. */
        if (fs_rows_bridge_differs(br, want)) {
            bridge_write(c, br, want);
            char *targets = targets_text(want);
            changed(c, &c->plan->n_updates, "updated bridge %s%s", want->name,
                    targets);
            free(targets);
        }
    }
}

static void delete_stale_bridges(struct rows_ctx *c)
{
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(c->idl);
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH(br, c->idl)
    {
        if (ovs && is_owned(&br->external_ids) &&
            !sset_contains(&c->want_bridges, br->name)) {
            txn(c);
            ovsrec_open_vswitch_update_bridges_delvalue(ovs, br);
            sset_add(&c->deleted_bridges, br->name);
            changed(c, &c->plan->n_deletes, "deleted bridge %s", br->name);
        }
    }
}

/* Ports. */

static const struct ovsrec_interface *port_iface(const struct ovsrec_port *port)
{
    for (size_t i = 0; i < port->n_interfaces; i++) {
        if (!strcmp(port->interfaces[i]->name, port->name)) {
            return port->interfaces[i];
        }
    }
    return port->n_interfaces ? port->interfaces[0] : NULL;
}

static bool iface_differs(const struct ovsrec_interface *iface,
                          const struct fs_ovsdb_port *want)
{
    return strcmp(iface->type, want->type) ||
           !smap_equal(&iface->options, &want->options) ||
           !smap_equal(&iface->external_ids, &want->external_ids);
}

/* Brings owned 'port' to 'want' on bridge 'br'; returns true if anything
 * had to change. */
static bool port_update(struct rows_ctx *c, const struct ovsrec_port *port,
                        const struct ovsrec_bridge *br,
                        const struct fs_ovsdb_port *want)
{
    bool changed = false;
    const struct ovsrec_bridge *cur =
        shash_find_data(&c->port_bridge, want->name);
    if (cur != br) {
        txn(c);
        if (cur && !sset_contains(&c->deleted_bridges, cur->name)) {
            ovsrec_bridge_update_ports_delvalue(cur, port);
        }
        ovsrec_bridge_update_ports_addvalue(br, port);
        changed = true;
    }
    const struct ovsrec_interface *iface = port_iface(port);
    if (iface && iface_differs(iface, want)) {
        txn(c);
        ovsrec_interface_set_type(iface, want->type);
        ovsrec_interface_set_options(iface, &want->options);
        ovsrec_interface_set_external_ids(iface, &want->external_ids);
        changed = true;
    }
    if (!smap_equal(&port->external_ids, &want->external_ids)) {
        txn(c);
        ovsrec_port_set_external_ids(port, &want->external_ids);
        changed = true;
    }
    return changed;
}

static void port_blocked(struct rows_ctx *c, const struct fs_ovsdb_port *want,
                         const char *why)
{
    fs_errors_add(&c->plan->errors, want->key, want->path, "port %s on %s: %s",
                  want->name, want->bridge, why);
    if (!strcmp(want->bridge, c->int_bridge)) {
        c->plan->n_blocked_int++;
    }
}

static void converge_port(struct rows_ctx *c, const struct fs_ovsdb_port *want)
{
    const struct ovsrec_bridge *br = shash_find_data(&c->bridges, want->bridge);
    const struct ovsrec_port *port = shash_find_data(&c->ports, want->name);
    if (!br || sset_contains(&c->deleted_bridges, want->bridge)) {
        port_blocked(c, want, "the bridge does not exist");
    } else if (!port) {
        txn(c);
        port_insert(c, br, want->name, want->type, &want->options,
                    &want->external_ids);
        changed(c, &c->plan->n_creates, "created port %s on %s", want->name,
                want->bridge);
    } else if (!is_owned(&port->external_ids)) {
        port_blocked(c, want,
                     "a port of that name exists and is not flowsteer's (no "
                     "external_ids:" FS_OWNER_KEY "): left alone");
    } else if (port_update(c, port, br, want)) {
        changed(c, &c->plan->n_updates, "updated port %s on %s", want->name,
                want->bridge);
    }
}

static void delete_stale_ports(struct rows_ctx *c)
{
    struct shash_node *node;
    SHASH_FOR_EACH(node, &c->ports)
    {
        const struct ovsrec_port *port = node->data;
        const struct ovsrec_bridge *br =
            shash_find_data(&c->port_bridge, port->name);
        if (br && is_owned(&port->external_ids) &&
            !sset_contains(&c->want_ports, port->name) &&
            !sset_contains(&c->deleted_bridges, br->name)) {
            txn(c);
            ovsrec_bridge_update_ports_delvalue(br, port);
            changed(c, &c->plan->n_deletes, "deleted port %s", port->name);
        }
    }
}

struct ovsdb_idl_txn *fs_rows_plan(struct ovsdb_idl *idl,
                                   const struct fs_desired *d,
                                   const char *int_bridge,
                                   struct fs_rows_plan *plan)
{
    *plan = (struct fs_rows_plan){.errors = FS_ERRORS_INITIALIZER,
                                  .changes = DS_EMPTY_INITIALIZER};
    struct rows_ctx c = {.idl = idl, .int_bridge = int_bridge, .plan = plan};
    shash_init(&c.bridges);
    shash_init(&c.ports);
    shash_init(&c.port_bridge);
    sset_init(&c.want_bridges);
    sset_init(&c.want_ports);
    sset_init(&c.deleted_bridges);
    index_rows(&c);
    for (size_t i = 0; i < d->n_bridges; i++) {
        sset_add(&c.want_bridges, d->bridges[i]->name);
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        sset_add(&c.want_ports, d->ports[i]->name);
    }
    delete_stale_bridges(&c);
    for (size_t i = 0; i < d->n_bridges; i++) {
        converge_bridge(&c, d->bridges[i]);
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        converge_port(&c, d->ports[i]);
    }
    delete_stale_ports(&c);
    size_t n = plan->n_creates + plan->n_updates + plan->n_deletes;
    if (n > FS_ROWS_LOG_MAX) {
        ds_put_format(&plan->changes, " and %zu more", n - FS_ROWS_LOG_MAX);
    }
    shash_destroy(&c.bridges);
    shash_destroy(&c.ports);
    shash_destroy(&c.port_bridge);
    sset_destroy(&c.want_bridges);
    sset_destroy(&c.want_ports);
    sset_destroy(&c.deleted_bridges);
    return c.txn;
}
