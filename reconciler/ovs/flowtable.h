/* reconciler/ovs/flowtable.h: the OVS thread's one table of flows, desired and
 * installed side by side, kept up to date by deltas and by what the switch
 * reports, so that a change costs what it changes.
 *
 * One entry per flow key (table, priority, match: render/'s typed flows
 * carry it as a minimatch, and the switch's reports are keyed alike).  An
 * entry holds:
 *   - the desired flow, if render/ wants one there (its cookie and
 *     ofpacts, the latter as the switch reports them back);
 *   - what the switch has there under flowsteer's cookie: nothing, the
 *     desired flow ("in sync": no second copy is kept), or another flow of
 *     ours (its cookie and ofpacts);
 *   - whether another owner's flow (cookie outside FS_COOKIE_MASK) holds the
 *     key: then flowsteer never adds its own there (a conflict).
 * Entries whose desired or installed side may differ are "dirty"; only
 * dirty entries are diffed.  Everything else is untouched by a change. */
#ifndef FS_FLOWTABLE_H
#define FS_FLOWTABLE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "reconciler/ovs/groups.h"
#include "render/engine.h"

struct fs_of_changes;
struct ofpact;

/* What the switch holds at an entry's key under flowsteer's cookie. */
enum fs_ft_installed {
    FS_FT_NONE,   /* Nothing of ours. */
    FS_FT_SYNCED, /* The desired flow, exactly. */
    FS_FT_OTHER,  /* Another flow of ours: 'inst_cookie', 'inst_ofpacts'. */
};

struct fs_ft_entry {
    struct hmap_node key_node;  /* In fs_flowtable.by_key. */
    struct ovs_list dirty_node; /* In fs_flowtable.dirty, while dirty. */
    uint8_t table_id;
    uint16_t priority;
    struct minimatch match;
    /* Desired flow, if 'desired'. */
    bool desired;
    uint64_t cookie;
    struct ofpact *ofpacts;
    size_t ofpacts_len;
    /* Installed flow of ours. */
    enum fs_ft_installed installed;
    uint64_t inst_cookie;
    struct ofpact *inst_ofpacts;
    size_t inst_ofpacts_len;
    /* Another owner's flow at this key. */
    bool foreign;
    uint64_t foreign_cookie;
    bool dirty;
    /* Desired, not added: 'foreign' holds the key.  In
     * fs_flowtable.conflicts while set. */
    bool conflict;
    struct ovs_list conflict_node;
    /* The switch refused the desired flow (why; owned), or NULL.  Not sent
     * again until the desired flow changes or the connection is made
     * again; listed with the conflicts. */
    char *refusal;
    uint32_t seen; /* Audit round that last saw it (fs_flowtable.audit). */
};

/* The table.  'groups_desired'/'groups_installed' hold groups (few: diffed
 * whole); 'n_desired' counts desired flows, 'n_installed' flows of ours in
 * the switch, 'n_conflicts' desired flows held by another owner. */
struct fs_flowtable {
    struct hmap by_key;
    struct ovs_list dirty;
    struct ovs_list conflicts;
    size_t n_desired, n_installed, n_conflicts;
    size_t n_refused; /* Entries with a refusal (counted in n_conflicts). */
    struct fs_groups groups_desired, groups_installed;
    bool groups_dirty;
    uint32_t audit; /* Current audit round. */
    /* Desired flows that were in the switch as desired and that another
     * owner changed or deleted since the table was made (monitor updates
     * and audits): each is repaired by the next apply. */
    uint64_t n_drifted;
};

/* Initializes an empty table (nothing desired, nothing known installed) /
 * frees everything in it. */
void fs_flowtable_init(struct fs_flowtable *);
void fs_flowtable_destroy(struct fs_flowtable *);

/* Applies a render/ delta to the desired side: each added flow becomes
 * the desired flow of its key (replacing what was desired there), each
 * removed key is no longer desired.  A group that libopenvswitch cannot
 * parse is left out; the returned error names it (caller frees; NULL if
 * none: only the first is named, with the count of the others).  A full
 * delta first drops every desired flow and group.  Touched entries become
 * dirty.  Costs what the delta holds, never the table's size. */
char *fs_flowtable_apply_delta(struct fs_flowtable *,
                               const struct fs_desired_delta *);

/* A cold start's full delta, streamed: applied to the table flow after
 * flow, each flow's add built as soon as it is in, so that the caller can
 * send them (in one open bundle) while the rest go in.  Only for a full
 * delta on a table with no desired or installed flow or group of ours
 * (fs_flowtable_can_stream()): every flow message is then an add, and the
 * messages built are those fs_flowtable_changes() would build after
 * fs_flowtable_apply_delta(), in the same order, and the table ends up the
 * same.
 *
 * fs_flowtable_stream_start() applies the full delta's start (every
 * desired flow and group dropped, the groups of the delta) and puts the
 * group adds and modifies into 'ch' (initialized here).
 * fs_flowtable_stream_next() inserts the next flows, at most 'max' (at
 * least one), and
 * appends their adds to 'ch'; returns how many flows it took, 0 at the
 * end.  fs_flowtable_stream_finish() takes whatever is left, appends the
 * group deletes, frees the stream and returns what
 * fs_flowtable_apply_delta() returns. */
struct fs_ft_stream;
bool fs_flowtable_can_stream(const struct fs_flowtable *,
                             const struct fs_desired_delta *);
struct fs_ft_stream *fs_flowtable_stream_start(struct fs_flowtable *,
                                               const struct fs_desired_delta *,
                                               struct fs_of_changes *ch);
size_t fs_flowtable_stream_next(struct fs_ft_stream *, size_t max,
                                struct fs_of_changes *ch);
char *fs_flowtable_stream_finish(struct fs_ft_stream *,
                                 struct fs_of_changes *ch);

/* The switch's side is unknown (new connection): forget every installed
 * and foreign flow and group, before fs_flowtable_note_flow() feeds what
 * the switch reports. */
void fs_flowtable_forget_installed(struct fs_flowtable *);

/* The switch reported a flow (initial read, monitor update or audit):
 * 'present' false means it is gone.  Updates the installed or foreign side
 * of its key (the switch holds one flow per key: a flow reported present
 * replaces whatever the table knew there, ours or another owner's) and
 * makes the entry dirty when it differs from the desired side.  'ofpacts'
 * are copied. */
void fs_flowtable_note_flow(struct fs_flowtable *, uint8_t table_id,
                            uint16_t priority, const struct match *,
                            uint64_t cookie, const struct ofpact *ofpacts,
                            size_t ofpacts_len, bool present);

/* Makes every entry dirty (after a full read of the switch). */
void fs_flowtable_mark_all_dirty(struct fs_flowtable *);

/* Builds the changes for the dirty entries and the groups (see
 * fs_of_changes in ofbridge.h: group adds and modifies, flow changes, flow
 * deletes, group deletes).  A desired flow whose key another owner's flow
 * holds is left out (fs_flowtable_commit() makes it a conflict).  The table
 * is not changed: call fs_flowtable_commit() once the switch took them.
 * The caller frees 'changes' with fs_of_changes_destroy(). */
void fs_flowtable_changes(const struct fs_flowtable *, struct fs_of_changes *);

/* The changes were committed: the installed side of every dirty entry
 * becomes its desired side (but for conflicts), dirty entries are cleaned,
 * entries with nothing left are freed. */
void fs_flowtable_commit(struct fs_flowtable *);

/* The switch refused the flow of 'entry' (an owner of fs_of_changes' tags)
 * for 'why' (copied): it is left out of the next changes and listed with
 * the conflicts, so that everything else converges. */
void fs_flowtable_refuse(struct fs_flowtable *, struct fs_ft_entry *entry,
                         const char *why);

/* Makes every refused entry try again (their refusal is cleared, they are
 * dirty): the switch may take them now (a table no longer full).  Returns
 * how many. */
size_t fs_flowtable_retry_refused(struct fs_flowtable *);

/* Adds every current conflict and refusal to 'errors' as status reports
 * them. */
void fs_flowtable_conflicts(const struct fs_flowtable *,
                            struct fs_errors *errors);

/* Audit: starts a round (every entry not seen by the end of it is not in
 * the switch), then fs_flowtable_note_flow() for each flow of a dump, then
 * finishes it: installed entries of ours not seen are marked gone and
 * dirty (entries committed while the round ran count as seen).  Returns
 * the number of entries repaired this way. */
void fs_flowtable_audit_start(struct fs_flowtable *);
size_t fs_flowtable_audit_finish(struct fs_flowtable *);

#endif /* reconciler/ovs/flowtable.h */
