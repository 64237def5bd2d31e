/* render/deps.h: the dependencies of render units (private to render/).
 *
 * A dependency is something a unit read, named by (type, kind, id), and
 * the value it read, as 64 bits that change whenever what the read returns
 * changes.  The engine keeps one interned struct render_dep per name
 * (shared by every unit that read it, counted) and, per unit, the values
 * it read (struct render_dep_ref).  Before a run renders a unit again it
 * asks render_deps_changed(): each dependency's current value is computed
 * at most once per run (render_dep_value(), the same function the
 * accessors record with), so the check costs O(dependencies). */
#ifndef FS_RENDER_DEPS_H
#define FS_RENDER_DEPS_H 1

#include <stddef.h>
#include <stdint.h>

#include "hmapx.h"
#include "openvswitch/hmap.h"
#include "render/internal.h"

enum render_dep_type {
    RENDER_DEP_RES,          /* Resource (kind, id): version, 0 if absent. */
    RENDER_DEP_LOCAL,        /* Port id: its local ofport, 0 if not local. */
    RENDER_DEP_NET_KEY,      /* Network id: its key, 0 if unknown. */
    RENDER_DEP_UPLINK,       /* Network id: its uplink, 0 if none. */
    RENDER_DEP_SF,           /* Port id: 1 if it is an SF port. */
    RENDER_DEP_NET_PORTS,    /* Network id: the ids of its ports. */
    RENDER_DEP_SCAN,         /* Kind: every (id, version) of it. */
    RENDER_DEP_TUNNEL,       /* Chassis name: its tunnel's ofport, 0 none. */
    RENDER_DEP_SLICE_NET,    /* Network id: its slice's version, 0 none. */
    RENDER_DEP_SLICE_MEMBER, /* Port id: its member patch's ofport. */
    RENDER_DEP_ROUTER_KEY,   /* Router id: its key, 0 if unknown. */
    RENDER_DEP_ROUTER_PORTS, /* Router id: the ids of its interfaces. */
    RENDER_DEP_ROUTED,       /* (FS_NETWORK or FS_ROUTER, id): 1 if routed
                              * here (struct render_world's 'routed_*'). */
    RENDER_DEP_CHASSIS_MAC,  /* Physnet: this node's chassis MAC for it
                              * (a hash), 0 if none. */
    RENDER_N_DEP_TYPES
};

/* One interned dependency. */
struct render_dep {
    struct hmap_node node; /* In struct render_deps. */
    enum render_dep_type type;
    int kind;       /* enum fs_kind for RES, SCAN and ROUTED, else 0. */
    char *id;       /* "" for SCAN. */
    uint64_t value; /* Its value in run 'stamp'. */
    uint64_t stamp;
    uint64_t serial;    /* The last recording that listed it. */
    size_t refs;        /* Units whose dependencies list it. */
    struct hmapx users; /* Those units (the recordings' owners). */
};

/* A dependency of one unit and the value the unit read. */
struct render_dep_ref {
    struct render_dep *dep;
    uint64_t value;
};

/* Every interned dependency of an engine. */
struct render_deps {
    struct hmap map;
    uint64_t serial;                          /* Recordings started so far. */
    struct hmapx by_type[RENDER_N_DEP_TYPES]; /* Every dependency, by type. */
};

/* What one unit's render reads (struct render_ctx's 'rec'). */
struct render_rec {
    struct render_deps *deps;
    void *owner; /* The unit: a user of every dependency it lists. */
    uint64_t serial;
    struct render_dep_ref *refs; /* Each dependency once. */
    size_t n, allocated;
};

/* Initializes an empty set of dependencies. */
void render_deps_init(struct render_deps *);

/* Frees every dependency, referenced or not. */
void render_deps_destroy(struct render_deps *);

/* Starts recording a unit's dependencies into 'rec' (its 'refs' are then
 * the caller's, to free with render_deps_release() and free()). */
void render_rec_start(struct render_rec *, struct render_deps *, void *owner);

/* Records that the unit of 'ctx' read ('type', 'kind', 'id') with
 * 'value' in world ctx->w; nothing if ctx->rec is NULL. */
void render_record(const struct render_ctx *, enum render_dep_type type,
                   int kind, const char *id, uint64_t value);

/* Returns true if some dependency of 'refs' has another value in 'w' than
 * the one recorded. */
bool render_deps_changed(const struct render_world *w,
                         const struct render_dep_ref *refs, size_t n);

/* Drops the 'n' references 'refs' of unit 'owner' (not the array), freeing
 * dependencies no unit lists any more. */
void render_deps_release(struct render_deps *, const struct render_dep_ref *,
                         size_t n, void *owner);

/* Returns the interned dependency ('type', 'kind', 'id'), or NULL if no
 * unit lists it. */
struct render_dep *render_deps_find(const struct render_deps *,
                                    enum render_dep_type type, int kind,
                                    const char *id);

/* Returns the value of dependency ('type', 'kind', 'id') in 'w'
 * (render/access.c; the accessors record exactly this). */
uint64_t render_dep_value(const struct render_world *w,
                          enum render_dep_type type, int kind, const char *id);

#endif /* render/deps.h */
