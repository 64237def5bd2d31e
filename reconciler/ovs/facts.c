/* Local facts from the OVSDB IDL: see reconciler/ovs/facts.h. */
#include "reconciler/ovs/facts.h"

#include <string.h>

#include "util.h"

#include "ovsdb-idl.h"
#include "vswitch-idl.h"

void fs_facts_idl_setup(struct ovsdb_idl *idl)
{
    static const struct ovsdb_idl_column *const columns[] = {
        &ovsrec_open_vswitch_col_bridges,
        &ovsrec_bridge_col_name,
        &ovsrec_bridge_col_ports,
        &ovsrec_bridge_col_datapath_type,
        &ovsrec_bridge_col_fail_mode,
        &ovsrec_bridge_col_protocols,
        &ovsrec_bridge_col_controller,
        &ovsrec_bridge_col_external_ids,
        &ovsrec_controller_col_target,
        &ovsrec_port_col_name,
        &ovsrec_port_col_interfaces,
        &ovsrec_port_col_external_ids,
        &ovsrec_interface_col_name,
        &ovsrec_interface_col_type,
        &ovsrec_interface_col_options,
        &ovsrec_interface_col_ofport,
        &ovsrec_interface_col_external_ids,
        &ovsrec_open_vswitch_col_ssl,
        &ovsrec_controller_col_connection_mode,
        &ovsrec_ssl_col_private_key,
    };
    ovsdb_idl_add_table(idl, &ovsrec_table_open_vswitch);
    ovsdb_idl_add_table(idl, &ovsrec_table_bridge);
    ovsdb_idl_add_table(idl, &ovsrec_table_controller);
    ovsdb_idl_add_table(idl, &ovsrec_table_port);
    ovsdb_idl_add_table(idl, &ovsrec_table_interface);
    ovsdb_idl_add_table(idl, &ovsrec_table_ssl);
    for (size_t i = 0; i < sizeof columns / sizeof *columns; i++) {
        ovsdb_idl_add_column(idl, columns[i]);
    }
}

static void read_interface(const struct ovsrec_interface *iface,
                           struct fs_local_facts *facts)
{
    int64_t ofport = iface->n_ofport ? iface->ofport[0] : 0;
    if (ofport <= 0 || ofport >= 0xff00) {
        return;
    }
    const char *id = smap_get(&iface->external_ids, "iface-id");
    if (id) {
        simap_put(&facts->ofports, id, ofport);
    }
    if (smap_get(&iface->external_ids, FS_OWNER_KEY)) {
        simap_put(&facts->owned_ofports, iface->name, ofport);
    }
}

void fs_facts_read(struct ovsdb_idl *idl, const char *bridge,
                   struct fs_local_facts *facts)
{
    simap_clear(&facts->ofports);
    simap_clear(&facts->owned_ofports);
    sset_clear(&facts->bridges);
    free(facts->datapath_type);
    facts->datapath_type = xstrdup("");
    const struct ovsrec_open_vswitch *ovs = ovsrec_open_vswitch_first(idl);
    facts->ssl = ovs && ovs->ssl;
    const struct ovsrec_bridge *br;
    OVSREC_BRIDGE_FOR_EACH(br, idl)
    {
        sset_add(&facts->bridges, br->name);
        if (strcmp(br->name, bridge)) {
            continue;
        }
        free(facts->datapath_type);
        facts->datapath_type = xstrdup(br->datapath_type);
        for (size_t i = 0; i < br->n_ports; i++) {
            const struct ovsrec_port *port = br->ports[i];
            for (size_t j = 0; j < port->n_interfaces; j++) {
                read_interface(port->interfaces[j], facts);
            }
        }
    }
}
