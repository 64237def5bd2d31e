/* reconciler/ovs/facts.h: what only OVS knows, read from the OVSDB IDL on the
 * OVS thread (render/render.h, struct fs_local_facts). */
#ifndef FS_RECONCILER_FACTS_H
#define FS_RECONCILER_FACTS_H 1

#include "render/render.h"

struct ovsdb_idl;

/* Registers with 'idl' every table and column flowsteerd reads or writes:
 * Open_vSwitch (bridges, ssl), Bridge (name, ports, datapath_type,
 * fail_mode, protocols, controller, external_ids), Controller (target,
 * connection_mode), SSL (private_key: only whether a row is there), Port
 * (name, interfaces, external_ids), Interface (name, type, options, ofport,
 * external_ids). */
void fs_facts_idl_setup(struct ovsdb_idl *idl);

/* Fills 'facts' (initialised by the caller; its generation is left alone)
 * from 'idl': iface-id -> ofport and owned interface name -> ofport on
 * 'bridge', its datapath_type, the names of every bridge, and whether the
 * switch has SSL settings. */
void fs_facts_read(struct ovsdb_idl *idl, const char *bridge,
                   struct fs_local_facts *facts);

#endif /* reconciler/ovs/facts.h */
