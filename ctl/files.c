/* Reading -f arguments: files, directories, standard input.  See
 * ctl_input_read() in ctl/ctl.h. */
#include "ctl/ctl.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* Largest input file read, so a wrong path cannot exhaust memory. */
#define CTL_MAX_FILE (64 * 1024 * 1024)

static void read_stream(struct ctl_input *in, const char *name, FILE *f)
{
    struct ds text = DS_EMPTY_INITIALIZER;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        ds_put_buffer(&text, buf, n);
        if (text.length > CTL_MAX_FILE) {
            ctl_msgs_add(&in->errors, name, 0, NULL, NULL, "larger than %d MiB",
                         CTL_MAX_FILE >> 20);
            ds_destroy(&text);
            return;
        }
    }
    if (ferror(f)) {
        ctl_msgs_add(&in->errors, name, 0, NULL, NULL, "%s",
                     ovs_strerror(errno));
    } else {
        ctl_input_add_text(in, name, text.string ? text.string : "",
                           text.length);
    }
    ds_destroy(&text);
}

static void read_file(struct ctl_input *in, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        ctl_msgs_add(&in->errors, path, 0, NULL, NULL, "%s",
                     ovs_strerror(errno));
        return;
    }
    read_stream(in, path, f);
    fclose(f);
}

static bool is_manifest(const char *name)
{
    const char *dot = strrchr(name, '.');
    return name[0] != '.' && dot &&
           (!strcmp(dot, ".json") || !strcmp(dot, ".yaml") ||
            !strcmp(dot, ".yml"));
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_path(struct ctl_input *in, const char *path, bool top);

/* Every manifest under directory 'path', in name order. */
static void read_dir(struct ctl_input *in, const char *path)
{
    DIR *dir = opendir(path);
    if (!dir) {
        ctl_msgs_add(&in->errors, path, 0, NULL, NULL, "%s",
                     ovs_strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, allocated = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n >= allocated) {
            names = x2nrealloc(names, &allocated, sizeof *names);
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        char *sub = xasprintf(
            "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
        read_path(in, sub, false);
        free(sub);
        free(names[i]);
    }
    free(names);
}

/* 'top': named on the command line (read whatever its name). */
static void read_path(struct ctl_input *in, const char *path, bool top)
{
    struct stat st;
    if (!strcmp(path, "-") && top) {
        read_stream(in, "-", stdin);
    } else if (stat(path, &st)) {
        ctl_msgs_add(&in->errors, path, 0, NULL, NULL, "%s",
                     ovs_strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        read_dir(in, path);
    } else if (top || is_manifest(path)) {
        read_file(in, path);
    }
}

void ctl_input_read(struct ctl_input *in, char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        read_path(in, paths[i], true);
    }
}
