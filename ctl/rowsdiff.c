/* flowsteerctl plan: the OVSDB rows flowsteerd would create, update or
 * delete (as reconciler/ovs/rows.c decides, by external_ids FS_OWNER_KEY).  See
 * ctl_rows_ops() in ctl/node.h. */
#include "ctl/node.h"

#include <string.h>

#include "ovsdb-idl.h"
#include "reconciler/ovs/rows.h"
#include "util.h"
#include "vswitch-idl.h"

static bool bridge_desired(const struct fs_desired *, const char *name);

static void add_line(struct ctl_ops *ops, enum ctl_op op, char *text)
{
    if (ops->n >= ops->allocated) {
        ops->items =
            x2nrealloc(ops->items, &ops->allocated, sizeof *ops->items);
    }
    ops->items[ops->n++] =
        (struct ctl_op_line){op, -2, (int64_t)ops->n, xstrdup(""), text};
}

static const struct ovsrec_interface *port_iface(const struct ovsrec_port *p)
{
    for (size_t i = 0; i < p->n_interfaces; i++) {
        if (!strcmp(p->interfaces[i]->name, p->name)) {
            return p->interfaces[i];
        }
    }
    return NULL;
}

/* The bridge that holds 'port', or NULL. */
static const struct ovsrec_bridge *bridge_of(struct ovsdb_idl *idl,
                                             const struct ovsrec_port *port)
{
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH(br, idl)
    {
        for (size_t i = 0; i < br->n_ports; i++) {
            if (br->ports[i] == port) {
                return br;
            }
        }
    }
    return NULL;
}

static bool port_differs(struct ovsdb_idl *idl, const struct ovsrec_port *p,
                         const struct fs_ovsdb_port *want)
{
    const struct ovsrec_interface *i = port_iface(p);
    const struct ovsrec_bridge *br = bridge_of(idl, p);
    return !i || !br || strcmp(br->name, want->bridge) ||
           strcmp(i->type, want->type) ||
           !smap_equal(&i->options, &want->options) ||
           !smap_equal(&p->external_ids, &want->external_ids);
}

static const struct fs_ovsdb_port *desired_port(const struct fs_desired *d,
                                                const char *name)
{
    for (size_t i = 0; i < d->n_ports; i++) {
        if (!strcmp(d->ports[i]->name, name)) {
            return d->ports[i];
        }
    }
    return NULL;
}

static void port_ops(struct ovsdb_idl *idl, const struct fs_desired *d,
                     struct ctl_ops *ops)
{
    for (size_t i = 0; i < d->n_ports; i++) {
        const struct fs_ovsdb_port *w = d->ports[i];
        const struct ovsrec_port *p, *found = NULL;
        OVSREC_PORT_FOR_EACH(p, idl)
        {
            found = !strcmp(p->name, w->name) ? p : found;
        }
        const char *what = w->type;
        bool bridge = bridge_desired(d, w->bridge);
        const struct ovsrec_bridge *br;
        OVSREC_BRIDGE_FOR_EACH(br, idl)
        {
            bridge |= !strcmp(br->name, w->bridge);
        }
        if (!bridge) {
            add_line(ops, CTL_OP_CONFLICT,
                     xasprintf("! port %s on %s (%s): the bridge does not "
                               "exist",
                               w->name, w->bridge, what));
        } else if (!found) {
            add_line(
                ops, CTL_OP_ADD,
                xasprintf("+ port %s on %s (%s)", w->name, w->bridge, what));
        } else if (!smap_get(&found->external_ids, FS_OWNER_KEY)) {
            add_line(ops, CTL_OP_CONFLICT,
                     xasprintf("! port %s on %s (%s): a row flowsteer does "
                               "not own has that name",
                               w->name, w->bridge, what));
        } else if (port_differs(idl, found, w)) {
            add_line(
                ops, CTL_OP_MODIFY,
                xasprintf("~ port %s on %s (%s)", w->name, w->bridge, what));
        }
    }
    const struct ovsrec_port *p;
    OVSREC_PORT_FOR_EACH(p, idl)
    {
        /* An owned bridge's local port is wanted with its bridge. */
        if (smap_get(&p->external_ids, FS_OWNER_KEY) &&
            !desired_port(d, p->name) && !bridge_desired(d, p->name)) {
            const struct ovsrec_bridge *br = bridge_of(idl, p);
            add_line(ops, CTL_OP_DELETE,
                     xasprintf("- port %s on %s", p->name,
                               br ? br->name : "(no bridge)"));
        }
    }
}

static bool bridge_desired(const struct fs_desired *d, const char *name)
{
    for (size_t i = 0; i < d->n_bridges; i++) {
        if (!strcmp(d->bridges[i]->name, name)) {
            return true;
        }
    }
    return false;
}

static void bridge_ops(struct ovsdb_idl *idl, const struct fs_desired *d,
                       struct ctl_ops *ops)
{
    for (size_t i = 0; i < d->n_bridges; i++) {
        const struct fs_ovsdb_bridge *w = d->bridges[i];
        const struct ovsrec_bridge *br, *found = NULL;
        OVSREC_BRIDGE_FOR_EACH(br, idl)
        {
            found = !strcmp(br->name, w->name) ? br : found;
        }
        if (!found) {
            add_line(ops, CTL_OP_ADD, xasprintf("+ bridge %s", w->name));
        } else if (!smap_get(&found->external_ids, FS_OWNER_KEY)) {
            add_line(ops, CTL_OP_CONFLICT,
                     xasprintf("! bridge %s: a row flowsteer does not own "
                               "has that name",
                               w->name));
        } else if (fs_rows_bridge_differs(found, w)) {
            add_line(ops, CTL_OP_MODIFY, xasprintf("~ bridge %s", w->name));
        }
    }
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH(br, idl)
    {
        if (!bridge_desired(d, br->name) &&
            smap_get(&br->external_ids, FS_OWNER_KEY)) {
            add_line(ops, CTL_OP_DELETE, xasprintf("- bridge %s", br->name));
        }
    }
}

void ctl_rows_ops(struct ovsdb_idl *idl, const struct fs_desired *d,
                  struct ctl_ops *ops)
{
    bridge_ops(idl, d, ops);
    port_ops(idl, d, ops);
}
