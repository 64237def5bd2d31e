/* model/errors.h: the list of problems reported in a node's status.
 *
 * Each entry names the etcd key of the resource, the JSON path inside its
 * value ("$.port_chain.chain_parameters.correlation", "$" for the whole
 * document) and a human-readable reason.  Strings are owned by the list. */
#ifndef FS_ERRORS_H
#define FS_ERRORS_H 1

#include <stdbool.h>
#include <stddef.h>

#include <openvswitch/compiler.h>

struct fs_error {
    char *key;
    char *path;
    char *message;
};

struct fs_errors {
    struct fs_error *items;
    size_t n, allocated;
};

#define FS_ERRORS_INITIALIZER                                                  \
    {                                                                          \
        NULL, 0, 0                                                             \
    }

/* Appends an error; 'key' and 'path' are copied, 'fmt' is printf-style. */
void fs_errors_add(struct fs_errors *, const char *key, const char *path,
                   const char *fmt, ...) OVS_PRINTF_FORMAT(4, 5);

/* Appends copies of every error of 'src' to 'dst'. */
void fs_errors_extend(struct fs_errors *dst, const struct fs_errors *src);

/* Sorts the entries by key, then path, then message (strcmp order). */
void fs_errors_sort(struct fs_errors *);

/* Returns true if 'a' and 'b' hold the same entries in the same order. */
bool fs_errors_equal(const struct fs_errors *a, const struct fs_errors *b);

/* Frees every entry; the list stays usable (empty). */
void fs_errors_clear(struct fs_errors *);

/* Frees every entry and the array. */
void fs_errors_destroy(struct fs_errors *);

/* Returns true if some entry has exactly this key (any path). */
bool fs_errors_has_key(const struct fs_errors *, const char *key);

#endif /* model/errors.h */
