/* render/delta.h: from the engine's claims and unit outputs to deltas and
 * desired sets (render/delta.c, private to render/). */
#ifndef FS_RENDER_DELTA_H
#define FS_RENDER_DELTA_H 1

#include "render/claims.h"
#include "render/engine.h"
#include "render/internal.h"

/* Commits the run's claim changes (render_claims_commit()) into 'd''s
 * add and remove lists, each sorted as fs_render() sorts. */
void render_delta_changes(struct render_claims *flows,
                          struct render_claims *groups,
                          struct fs_desired_delta *d);

/* Fills 'rows' (empty) with copies of the OVSDB rows, notes and waiting
 * count of the 'n' outputs 'outs', plus the notes of the flow claims that
 * lose in 'flows'; sorted as fs_render() sorts. */
void render_delta_rows(struct render_out *const *outs, size_t n,
                       const struct render_claims *flows,
                       struct fs_desired *rows);

/* Frees the rows, notes and waiting count of 'd' and empties them. */
void render_delta_clear_rows(struct fs_desired *d);

/* Copies the rows, notes and waiting count of 'rows' into 'd' (empty). */
void render_delta_copy_rows(struct fs_desired_delta *d,
                            const struct fs_desired *rows);

/* Copies the winners of 'flows' and 'groups' into 'd' (empty), unsorted. */
void render_delta_winners(const struct render_claims *flows,
                          const struct render_claims *groups,
                          struct fs_desired *d);

#endif /* render/delta.h */
