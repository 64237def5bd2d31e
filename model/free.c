/* Freeing parsed resources: see fs_resource_free() in model/parse.h. */
#include "model/fields.h"
#include "model/parse.h"
#include "util.h"

static void free_port(struct fs_port *p)
{
    free(p->network_id);
    free(p->mac_address);
    for (size_t i = 0; i < p->n_fixed_ips; i++) {
        free(p->fixed_ips[i].subnet_id);
        free(p->fixed_ips[i].ip_address);
    }
    free(p->fixed_ips);
    free(p->name);
    free(p->device_id);
    free(p->host_id);
    free(p->remote_host_ip);
    for (size_t i = 0; i < p->n_allowed_address_pairs; i++) {
        free(p->allowed_address_pairs[i].ip_address);
        free(p->allowed_address_pairs[i].mac_address);
    }
    free(p->allowed_address_pairs);
    fs_free_port_l3(p);
}

static void free_chassis(struct fs_chassis *ch)
{
    free(ch->ip);
    free(ch->encap);
    fs_bridge_mappings_free(ch->bridge_mappings, ch->n_bridge_mappings);
    fs_chassis_macs_free(ch->chassis_macs, ch->n_chassis_macs);
}

static void free_fields(enum fs_kind kind, void *res)
{
    switch (kind) {
    case FS_NETWORK: {
        struct fs_network *n = res;
        free(n->network_type);
        free(n->physical_network);
        free(n->controller);
        free(n->controller_target);
        break;
    }
    case FS_PORT:
        free_port(res);
        break;
    case FS_CHASSIS:
        free_chassis(res);
        break;
    case FS_PORT_PAIR: {
        struct fs_port_pair *pp = res;
        free(pp->ingress);
        free(pp->egress);
        break;
    }
    case FS_PORT_PAIR_GROUP: {
        struct fs_port_pair_group *g = res;
        fs_free_list(g->port_pairs, g->n_port_pairs);
        fs_free_list(g->lb_fields, g->n_lb_fields);
        break;
    }
    case FS_FLOW_CLASSIFIER: {
        struct fs_flow_classifier *fc = res;
        free(fc->source_ip_prefix);
        free(fc->destination_ip_prefix);
        free(fc->logical_source_port);
        free(fc->logical_destination_port);
        break;
    }
    case FS_PORT_CHAIN: {
        struct fs_port_chain *pc = res;
        fs_free_list(pc->port_pair_groups, pc->n_port_pair_groups);
        fs_free_list(pc->flow_classifiers, pc->n_flow_classifiers);
        break;
    }
    case FS_SLICE:
        fs_free_slice(res);
        break;
    case FS_FLOWSPACE:
        fs_free_flowspace(res);
        break;
    case FS_SUBNET:
        fs_free_subnet(res);
        break;
    case FS_ROUTER:
        fs_free_router(res);
        break;
    case FS_N_KINDS:
    default:
        break;
    }
}

void fs_resource_free(enum fs_kind kind, void *res)
{
    if (res) {
        free_fields(kind, res);
        fs_free_meta(res);
        free(res);
    }
}
