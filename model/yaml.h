/* model/yaml.h: YAML documents as jansson values. */
#ifndef FS_YAML_H
#define FS_YAML_H 1

#include <jansson.h>
#include <stddef.h>

/* Parses the single YAML document in 'text' ('len' bytes) into a new JSON
 * value.  Untagged plain scalars become null (null, ~, empty), booleans
 * (true, false), integers or reals when they parse as such, else strings;
 * quoted or tagged (!!str) scalars are always strings.  Rejected, with the
 * line in the message: aliases (anchors alone are harmless and ignored),
 * duplicate mapping keys, non-scalar keys, a second document, nesting
 * deeper than 64, invalid UTF-8 and syntax errors.  Returns NULL with a
 * message in '*error' (caller frees) on failure; on success '*error' is
 * NULL. */
json_t *fs_yaml_parse(const char *text, size_t len, char **error);

#endif /* model/yaml.h */
