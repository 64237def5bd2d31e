/* Provider network rules across networks (Neutron ML2 type drivers vlan and
 * flat, Dragonflow's provider networks app,
 * seeds/dragonflow-provider-networks.txt): on one physical network a VLAN id
 * belongs to one network and untagged traffic to one flat network.  Of two
 * networks that claim the same, the later one is rejected: the higher etcd
 * create_revision, ties broken by the higher etcd key, so the network that
 * is already running never loses to a newcomer whatever the ids. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/build.h"
#include "model/parse.h"
#include "model/text.h"
#include "util.h"

/* Claims what network 'doc' uses on its physnet in 'owners' (slot -> id of
 * the earlier network), or rejects it if an earlier network has it. */
static void claim(struct fs_build *b, struct shash *owners,
                  const struct fs_doc *doc)
{
    const struct fs_network *n = doc->res;
    bool vlan = !strcmp(n->network_type, "vlan");
    char *slot =
        vlan ? xasprintf("%s/%" PRId64, n->physical_network, n->segmentation_id)
             : xasprintf("%s/flat", n->physical_network);
    const char *earlier = shash_find_data(owners, slot);
    if (!earlier) {
        shash_add(owners, slot, n->meta.id);
    } else if (vlan) {
        fs_build_reject(b, FS_NETWORK, n->meta.id, "provider:segmentation_id",
                        "VLAN %" PRId64 " on physnet %s is already used by "
                        "network %s",
                        n->segmentation_id, fs_quote(n->physical_network).s,
                        fs_quote(earlier).s);
    } else {
        fs_build_reject(b, FS_NETWORK, n->meta.id, "provider:physical_network",
                        "untagged traffic on physnet %s is already used by "
                        "flat network %s",
                        fs_quote(n->physical_network).s, fs_quote(earlier).s);
    }
    free(slot);
}

void fs_check_provider_networks(struct fs_build *b)
{
    struct shash owners = SHASH_INITIALIZER(&owners);
    size_t n;
    struct fs_doc **docs = fs_build_by_creation(b, FS_NETWORK, &n);
    for (size_t i = 0; i < n; i++) {
        const struct fs_network *net = docs[i]->res;
        if (net->network_type && net->physical_network &&
            (!strcmp(net->network_type, "vlan") ||
             !strcmp(net->network_type, "flat"))) {
            claim(b, &owners, docs[i]);
        }
    }
    shash_destroy(&owners);
    free(docs);
}
