/* tests/unit/fixtures.h: loading the example manifests into a model, for
 * the model and render tests. */
#ifndef FS_TEST_FIXTURES_H
#define FS_TEST_FIXTURES_H 1

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util.h"

/* Ids of the networking-sfc example (examples/sfc/). */
#define EX_NET "1b0e5c4a-0000-4000-8000-000000000001"
#define EX_SRC "2c9f0a11-0000-4000-8000-0000000000a1"
#define EX_DST "2c9f0a11-0000-4000-8000-0000000000a2"
#define EX_P(N) "2c9f0a11-0000-4000-8000-00000000000" #N
#define EX_PP(N) "3d7a1b22-0000-4000-8000-00000000000" #N
#define EX_PG(N) "4e6b2c33-0000-4000-8000-00000000000" #N
#define EX_FC1 "5f5c3d44-0000-4000-8000-000000000001"
#define EX_PC1 "6a4d4e55-0000-4000-8000-000000000001"

static inline char *fixture_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *buf = xmalloc(1 << 16);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Puts every file of examples/sfc/<format>/<kind>/ at
 * /flowsteer/v1/<kind>/<id>, where <id> is taken from the file's id line.
 * Returns the number of documents put. */
static inline int fixture_load_example(struct fs_model *m, const char *format)
{
    static const char *const kinds[] = {"networks",         "ports",
                                        "port_pairs",       "port_pair_groups",
                                        "flow_classifiers", "port_chains"};
    int count = 0;
    for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
        char *dir = xasprintf("examples/sfc/%s/%s", format, kinds[k]);
        DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (de->d_name[0] == '.') {
                continue;
            }
            char *path = xasprintf("%s/%s", dir, de->d_name);
            size_t len = 0;
            char *text = fixture_read(path, &len);
            char *id = text ? strstr(text, "id") : NULL;
            char *q1 = id ? strchr(id + 3, '"') : NULL;
            char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
            if (q2) {
                char *key = xasprintf("/flowsteer/v1/%s/%.*s", kinds[k],
                                      (int)(q2 - q1 - 1), q1 + 1);
                fs_model_put(m, key, strlen(key), text, len, 10 + count,
                             10 + count);
                free(key);
                count++;
            }
            free(text);
            free(path);
        }
        if (d) {
            closedir(d);
        }
        free(dir);
    }
    fs_model_set_revision(m, 100);
    return count;
}

/* Puts a string value at a key. */
static inline void fixture_put(struct fs_model *m, const char *key,
                               const char *value)
{
    fs_model_put(m, key, strlen(key), value, strlen(value), 200, 200);
}

/* Puts a string value at a string key, created and modified at 'rev';
 * returns what fs_model_put() returns. */
static inline bool fixture_put_at(struct fs_model *m, const char *key,
                                  const char *value, int64_t rev)
{
    return fs_model_put(m, key, strlen(key), value, strlen(value), rev, rev);
}

/* Deletes a string key; returns what fs_model_delete() returns. */
static inline bool fixture_delete(struct fs_model *m, const char *key)
{
    return fs_model_delete(m, key, strlen(key));
}

#endif /* tests/unit/fixtures.h */
