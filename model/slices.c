/* FlowVisor slices (../shared/seeds/flowvisor-quantum-plugin.txt: "FlowVisor
 * splits the network into different slices each controlled by a single
 * OpenFlow controller"): parsing, and the rules between slices and
 * networks.  A network is in at most one slice, and a network in a slice
 * has the slice's controller, not its own: of two documents that disagree,
 * the later one (etcd create_revision, then key) is rejected, as for VLAN
 * ids (model/provider.c). */
#include <string.h>

#include "model/build.h"
#include "model/fields.h"
#include "model/parse.h"
#include "model/text.h"
#include "sset.h"
#include "util.h"

void *fs_parse_slice(struct pctx *c, json_t *o)
{
    struct fs_slice *s = xzalloc(sizeof *s);
    s->controller = fs_get_str(c, o, "controller", true, NULL);
    char *why = s->controller
                    ? fs_parse_controller(s->controller, &s->controller_target)
                    : NULL;
    if (why) {
        fs_perr(c, "controller", "%s", why);
        free(why);
    }
    s->networks = fs_get_str_list(c, o, "networks", false, &s->n_networks);
    fs_check_unique(c, "networks", s->networks, s->n_networks);
    return s;
}

void fs_free_slice(struct fs_slice *s)
{
    free(s->controller);
    free(s->controller_target);
    fs_free_list(s->networks, s->n_networks);
}

/* Returns true if 'a' was created before 'b' (create_revision, then
 * key). */
static bool created_before(const struct fs_doc *a, const struct fs_doc *b)
{
    return a->create_revision != b->create_revision
               ? a->create_revision < b->create_revision
               : strcmp(a->key, b->key) < 0;
}

/* Checks network 'i' of slice 'doc': rejects the slice if the network is in
 * an earlier slice ('owners': network id -> slice id), does not exist, was
 * rejected, or has its own controller and came before the slice; a network
 * with its own controller that came after the slice goes to 'losers'. */
static void check_member(struct fs_build *b, const struct shash *owners,
                         const struct fs_doc *doc, size_t i,
                         struct sset *losers)
{
    const struct fs_slice *sl = doc->res;
    const char *id = sl->networks[i];
    const char *other = shash_find_data(owners, id);
    const struct fs_doc *ndoc = shash_find_data(&b->valid[FS_NETWORK], id);
    const struct fs_network *net = ndoc ? ndoc->res : NULL;
    char *field = xasprintf("networks[%zu]", i);
    if (other) {
        fs_build_reject(b, FS_SLICE, sl->meta.id, field,
                        "network %s is already in slice %s, which came first",
                        fs_quote(id).s, fs_quote(other).s);
    } else if (!net) {
        fs_build_reject(b, FS_SLICE, sl->meta.id, field,
                        "network %s does not exist or was rejected",
                        fs_quote(id).s);
    } else if (net->controller_target && created_before(ndoc, doc)) {
        fs_build_reject(b, FS_SLICE, sl->meta.id, field,
                        "network %s has its own controller %s, and came "
                        "first",
                        fs_quote(id).s, fs_quote(net->controller).s);
    } else if (net->controller_target) {
        sset_add(losers, id);
    }
    free(field);
}

/* Takes accepted slice 'doc''s networks in 'owners' and rejects the
 * networks of 'losers' (their own controller, created after the slice). */
static void claim(struct fs_build *b, struct shash *owners,
                  const struct fs_slice *sl, const struct sset *losers)
{
    for (size_t i = 0; i < sl->n_networks; i++) {
        shash_add_once(owners, sl->networks[i], sl->meta.id);
    }
    const char *id;
    SSET_FOR_EACH(id, losers)
    {
        fs_build_reject(b, FS_NETWORK, id, "controller",
                        "the network is in slice %s, which came first: a "
                        "network in a slice has the slice's controller, not "
                        "its own",
                        fs_quote(sl->meta.id).s);
    }
}

/* Holds network 'id', named by rejected slice document 'sdoc': rejects
 * it unless a valid slice has it ('owners'), it has its own controller, or
 * it was created before the slice (the running one keeps running). */
static void hold(struct fs_build *b, const struct shash *owners,
                 const struct fs_doc *sdoc, const char *id)
{
    const struct fs_doc *ndoc = shash_find_data(&b->valid[FS_NETWORK], id);
    const struct fs_network *net = ndoc ? ndoc->res : NULL;
    if (!net || net->controller_target || shash_find(owners, id) ||
        ndoc->create_revision < sdoc->create_revision) {
        return;
    }
    fs_build_reject(b, FS_NETWORK, id, NULL,
                    "the network is in slice document %s, which was "
                    "rejected (see its error): a network created for a "
                    "slice is not switched without it",
                    fs_quote(sdoc->key).s);
}

/* Holds the networks of the rejected slices: those a rule rejected among
 * 'docs' ('n'), and those that did not parse. */
static void hold_rejected(struct fs_build *b, const struct shash *owners,
                          struct fs_doc **docs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct fs_slice *sl = docs[i]->res;
        if (!fs_build_res(b, FS_SLICE, sl->meta.id)) {
            for (size_t j = 0; j < sl->n_networks; j++) {
                hold(b, owners, docs[i], sl->networks[j]);
            }
        }
    }
    for (size_t i = 0; i < b->n_bad_slices; i++) {
        const struct fs_doc *doc = b->bad_slices[i];
        for (size_t j = 0; j < doc->n_held; j++) {
            hold(b, owners, doc, doc->held[j]);
        }
    }
}

void fs_check_slices(struct fs_build *b)
{
    struct shash owners = SHASH_INITIALIZER(&owners);
    size_t n;
    struct fs_doc **docs = fs_build_by_creation(b, FS_SLICE, &n);
    for (size_t i = 0; i < n; i++) {
        const struct fs_slice *sl = docs[i]->res;
        struct sset losers = SSET_INITIALIZER(&losers);
        for (size_t j = 0; j < sl->n_networks; j++) {
            check_member(b, &owners, docs[i], j, &losers);
        }
        if (fs_build_res(b, FS_SLICE, sl->meta.id)) {
            claim(b, &owners, sl, &losers);
        }
        sset_destroy(&losers);
    }
    hold_rejected(b, &owners, docs, n);
    shash_destroy(&owners);
    free(docs);
}
