/* Bridge mappings, "physnet:bridge[,physnet:bridge...]" as ovn-controller's
 * ovn-bridge-mappings and neutron-openvswitch-agent's bridge_mappings write
 * them: one parser for the chassis document (model/parse.c) and for
 * flowsteerd's bridge-mappings setting (reconciler/proc/config.c).  See
 * fs_bridge_mappings_parse() in model/model.h. */
#include <string.h>

#include "model/fields.h"
#include "model/model.h"
#include "model/parse.h"
#include "model/text.h"
#include "util.h"

/* OVS port and bridge names are Linux interface names: at most IFNAMSIZ - 1
 * characters. */
#define MAX_BRIDGE_NAME 15

/* Appends physnet 'physnet' -> bridge 'bridge' unless the bridge name is too
 * long or the physnet is already mapped.  Returns NULL, or the reason
 * (caller frees). */
static char *add_one(struct fs_bridge_mapping **bm, size_t *n,
                     const char *physnet, const char *bridge)
{
    if (strlen(bridge) > MAX_BRIDGE_NAME) {
        return xasprintf("bridge name %s is longer than %d characters",
                         fs_quote(bridge).s, MAX_BRIDGE_NAME);
    }
    for (size_t i = 0; i < *n; i++) {
        if (!strcmp((*bm)[i].physnet, physnet)) {
            return xasprintf("physnet %s is mapped twice (to %s and "
                             "%s)",
                             fs_quote(physnet).s, fs_quote((*bm)[i].bridge).s,
                             fs_quote(bridge).s);
        }
    }
    *bm = xrealloc(*bm, (*n + 1) * sizeof **bm);
    (*bm)[*n].physnet = xstrdup(physnet);
    (*bm)[*n].bridge = xstrdup(bridge);
    (*n)++;
    return NULL;
}

char *fs_bridge_mapping_append(struct fs_bridge_mapping **bm, size_t *n,
                               const char *entry)
{
    const char *colon = strchr(entry, ':');
    if (!colon || colon == entry || !colon[1] || strchr(colon + 1, ':')) {
        return xasprintf("%s is not physnet:bridge", fs_quote(entry).s);
    }
    char *physnet = xmemdup0(entry, colon - entry);
    char *error = add_one(bm, n, physnet, colon + 1);
    free(physnet);
    return error;
}

char *fs_bridge_mappings_append(struct fs_bridge_mapping **bm, size_t *n,
                                const char *text)
{
    char *copy = xstrdup(text), *save = NULL, *error = NULL;
    for (char *tok = strtok_r(copy, ", ", &save); tok && !error;
         tok = strtok_r(NULL, ", ", &save)) {
        error = fs_bridge_mapping_append(bm, n, tok);
    }
    free(copy);
    return error;
}

char *fs_bridge_mappings_parse(const char *text,
                               struct fs_bridge_mapping **mappings, size_t *n)
{
    struct fs_bridge_mapping *bm = NULL;
    size_t count = 0;
    char *error = fs_bridge_mappings_append(&bm, &count, text);
    if (error) {
        fs_bridge_mappings_free(bm, count);
        return error;
    }
    *mappings = bm;
    *n = count;
    return NULL;
}

void fs_bridge_mappings_free(struct fs_bridge_mapping *bm, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(bm[i].physnet);
        free(bm[i].bridge);
    }
    free(bm);
}

/* Chassis MAC mappings (OVN's ovn-chassis-mac-mappings): "physnet:MAC",
 * split at the first colon. */
static char *chassis_mac_append(struct fs_chassis_mac **v, size_t *n,
                                const char *entry)
{
    const char *colon = strchr(entry, ':');
    char *mac = colon && colon != entry ? fs_canonical_mac(colon + 1) : NULL;
    if (!mac) {
        return xasprintf("%s is not physnet:MAC", fs_quote(entry).s);
    }
    char *physnet = xmemdup0(entry, colon - entry);
    char *error = NULL;
    if (strtoul(mac, NULL, 16) & 1) {
        error = xasprintf("%s is a multicast MAC", fs_quote(mac).s);
    }
    for (size_t i = 0; !error && i < *n; i++) {
        if (!strcmp((*v)[i].physnet, physnet)) {
            error = xasprintf("physnet %s has two chassis MACs",
                              fs_quote(physnet).s);
        }
    }
    if (error) {
        free(physnet);
        free(mac);
        return error;
    }
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = (struct fs_chassis_mac){physnet, mac};
    return NULL;
}

char *fs_chassis_macs_append(struct fs_chassis_mac **v, size_t *n,
                             const char *text)
{
    char *copy = xstrdup(text), *save = NULL, *error = NULL;
    for (char *tok = strtok_r(copy, ", ", &save); tok && !error;
         tok = strtok_r(NULL, ", ", &save)) {
        error = chassis_mac_append(v, n, tok);
    }
    free(copy);
    return error;
}

char *fs_chassis_macs_parse(const char *text, struct fs_chassis_mac **v,
                            size_t *n)
{
    struct fs_chassis_mac *macs = NULL;
    size_t count = 0;
    char *error = fs_chassis_macs_append(&macs, &count, text);
    if (error) {
        fs_chassis_macs_free(macs, count);
        return error;
    }
    *v = macs;
    *n = count;
    return NULL;
}

void fs_chassis_macs_free(struct fs_chassis_mac *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].physnet);
        free(v[i].mac);
    }
    free(v);
}
