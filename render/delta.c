/* Deltas and desired sets from the engine's claims and unit outputs
 * (render/delta.h). */
#include "render/delta.h"

#include <string.h>

#include "openvswitch/ofp-actions.h"
#include "util.h"

/* Growable arrays of a delta being built. */
struct delta_builder {
    struct fs_desired_delta *d;
    size_t allocated_add, allocated_remove;
    size_t allocated_add_groups, allocated_remove_groups;
};

static void push_flow(struct fs_flow **flows, size_t *n, size_t *allocated,
                      struct fs_flow f)
{
    if (*n >= *allocated) {
        *flows = x2nrealloc(*flows, allocated, sizeof **flows);
    }
    (*flows)[(*n)++] = f;
}

/* A flow key's winner changed from 'before' to 'after' (either NULL): an
 * add when the flow is new or its cookie or actions changed, a remove when
 * it went. */
static void flow_changed(const void *before_, const void *after_, void *aux)
{
    const struct render_claim *before = before_, *after = after_;
    struct delta_builder *b = aux;
    struct fs_desired_delta *d = b->d;
    if (after &&
        (!before || before->flow.cookie != after->flow.cookie ||
         !ofpacts_equal(before->flow.ofpacts, before->flow.ofpacts_len,
                        after->flow.ofpacts, after->flow.ofpacts_len))) {
        struct fs_flow f;
        fs_flow_clone(&f, &after->flow);
        push_flow(&d->add_flows, &d->n_add_flows, &b->allocated_add, f);
    } else if (!after && before) {
        struct fs_flow f;
        fs_flow_clone_key(&f, &before->flow);
        push_flow(&d->remove_flows, &d->n_remove_flows, &b->allocated_remove,
                  f);
    }
}

static void group_changed(const void *before_, const void *after_, void *aux)
{
    const struct fs_group *before = before_, *after = after_;
    struct delta_builder *b = aux;
    struct fs_desired_delta *d = b->d;
    if (after && (!before || strcmp(before->spec, after->spec))) {
        if (d->n_add_groups >= b->allocated_add_groups) {
            d->add_groups = x2nrealloc(d->add_groups, &b->allocated_add_groups,
                                       sizeof *d->add_groups);
        }
        d->add_groups[d->n_add_groups++] =
            (struct fs_group){after->group_id, xstrdup(after->spec)};
    } else if (!after && before) {
        if (d->n_remove_groups >= b->allocated_remove_groups) {
            d->remove_groups =
                x2nrealloc(d->remove_groups, &b->allocated_remove_groups,
                           sizeof *d->remove_groups);
        }
        d->remove_groups[d->n_remove_groups++] = before->group_id;
    }
}

static int compare_groups(const void *a_, const void *b_)
{
    const struct fs_group *a = a_, *b = b_;
    return a->group_id < b->group_id ? -1 : a->group_id > b->group_id;
}

static int compare_ids(const void *a_, const void *b_)
{
    const uint32_t *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

/* qsort() that accepts an empty (NULL) array. */
static void sort(void *array, size_t n, size_t size,
                 int (*cmp)(const void *, const void *))
{
    if (n) {
        qsort(array, n, size, cmp);
    }
}

void render_delta_changes(struct render_claims *flows,
                          struct render_claims *groups,
                          struct fs_desired_delta *d)
{
    struct delta_builder b = {.d = d};
    render_claims_commit(flows, flow_changed, &b);
    render_claims_commit(groups, group_changed, &b);
    sort(d->add_flows, d->n_add_flows, sizeof *d->add_flows, fs_flow_compare);
    sort(d->remove_flows, d->n_remove_flows, sizeof *d->remove_flows,
         fs_flow_compare);
    sort(d->add_groups, d->n_add_groups, sizeof *d->add_groups, compare_groups);
    sort(d->remove_groups, d->n_remove_groups, sizeof *d->remove_groups,
         compare_ids);
}

/* Adds the notes of the flows that lose to an earlier claimant. */
static void note_losers(const struct render_claims *flows,
                        struct fs_errors *notes)
{
    struct hmapx_node *hn;
    HMAPX_FOR_EACH(hn, &flows->contested)
    {
        const struct render_claim_node *node = hn->data;
        for (size_t i = 1; i < node->n; i++) {
            const struct render_claim *c = node->v[i].item;
            if (!c->quiet) {
                render_dup_note(notes, c);
            }
        }
    }
}

void render_delta_rows(struct render_out *const *outs, size_t n,
                       const struct render_claims *flows, struct fs_desired *d)
{
    for (size_t k = 0; k < n; k++) {
        const struct render_out *out = outs[k];
        for (size_t i = 0; i < out->n_ports; i++) {
            if (d->n_ports >= d->allocated_ports) {
                d->ports =
                    x2nrealloc(d->ports, &d->allocated_ports, sizeof *d->ports);
            }
            d->ports[d->n_ports++] = render_port_clone(out->ports[i]);
        }
        for (size_t i = 0; i < out->n_bridges; i++) {
            if (d->n_bridges >= d->allocated_bridges) {
                d->bridges = x2nrealloc(d->bridges, &d->allocated_bridges,
                                        sizeof *d->bridges);
            }
            d->bridges[d->n_bridges++] = render_bridge_clone(out->bridges[i]);
        }
        fs_errors_extend(&d->notes, &out->notes);
        d->n_waiting += out->n_waiting;
    }
    note_losers(flows, &d->notes);
    render_sort_desired(d);
}

void render_delta_clear_rows(struct fs_desired *d)
{
    for (size_t i = 0; i < d->n_ports; i++) {
        fs_ovsdb_port_destroy(d->ports[i]);
    }
    for (size_t i = 0; i < d->n_bridges; i++) {
        fs_ovsdb_bridge_destroy(d->bridges[i]);
    }
    free(d->ports);
    free(d->bridges);
    fs_errors_destroy(&d->notes);
    d->ports = NULL;
    d->bridges = NULL;
    d->n_ports = d->allocated_ports = 0;
    d->n_bridges = d->allocated_bridges = 0;
    d->n_waiting = 0;
    d->notes = (struct fs_errors)FS_ERRORS_INITIALIZER;
}

void render_delta_copy_rows(struct fs_desired_delta *d,
                            const struct fs_desired *rows)
{
    d->ports = xcalloc(rows->n_ports + 1, sizeof *d->ports);
    for (size_t i = 0; i < rows->n_ports; i++) {
        d->ports[i] = render_port_clone(rows->ports[i]);
    }
    d->n_ports = rows->n_ports;
    d->bridges = xcalloc(rows->n_bridges + 1, sizeof *d->bridges);
    for (size_t i = 0; i < rows->n_bridges; i++) {
        d->bridges[i] = render_bridge_clone(rows->bridges[i]);
    }
    d->n_bridges = rows->n_bridges;
    d->n_waiting = rows->n_waiting;
    fs_errors_extend(&d->notes, &rows->notes);
}

void render_delta_winners(const struct render_claims *flows,
                          const struct render_claims *groups,
                          struct fs_desired *d)
{
    d->allocated_flows = render_claims_count(flows) + 1;
    d->flows = xcalloc(d->allocated_flows, sizeof *d->flows);
    const struct render_claim_node *node;
    HMAP_FOR_EACH(node, hmap_node, &flows->map)
    {
        const struct render_claim *c = node->v[0].item;
        fs_flow_clone(&d->flows[d->n_flows++], &c->flow);
    }
    d->allocated_groups = render_claims_count(groups) + 1;
    d->groups = xcalloc(d->allocated_groups, sizeof *d->groups);
    HMAP_FOR_EACH(node, hmap_node, &groups->map)
    {
        const struct fs_group *g = node->v[0].item;
        d->groups[d->n_groups++] =
            (struct fs_group){g->group_id, xstrdup(g->spec)};
    }
}

void fs_desired_delta_destroy(struct fs_desired_delta *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->n_add_flows; i++) {
        fs_flow_destroy(&d->add_flows[i]);
    }
    for (size_t i = 0; i < d->n_remove_flows; i++) {
        fs_flow_destroy(&d->remove_flows[i]);
    }
    for (size_t i = 0; i < d->n_add_groups; i++) {
        free(d->add_groups[i].spec);
    }
    for (size_t i = 0; i < d->n_ports; i++) {
        fs_ovsdb_port_destroy(d->ports[i]);
    }
    for (size_t i = 0; i < d->n_bridges; i++) {
        fs_ovsdb_bridge_destroy(d->bridges[i]);
    }
    free(d->add_flows);
    free(d->remove_flows);
    free(d->add_groups);
    free(d->remove_groups);
    free(d->ports);
    free(d->bridges);
    fs_errors_destroy(&d->notes);
    free(d);
}
