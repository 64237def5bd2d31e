/* model/yaml.h: YAML documents as jansson values. */
#ifndef FS_YAML_H
#define FS_YAML_H 1

#include <jansson.h>
#include <stddef.h>

/* Parses the single YAML document in 'text' ('len' bytes) into a new JSON
 * value.  Plain scalars become null (null, ~, empty), booleans (true,
 * false), integers or reals when they parse as such, else strings; quoted
 * scalars are always strings.  Anchors and aliases are rejected.  Returns
 * NULL with a message in '*error' (caller frees) on failure. */
json_t *fs_yaml_parse(const char *text, size_t len, char **error);

#endif /* model/yaml.h */
