/* flowsteerctl diff's output: see ctl_diff_plan() in ctl/plan.h.
 * The diff itself is diff(1)'s ("diff -u" with labels), not ours. */
#include "ctl/plan.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

static char *write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        return xasprintf("%s: %s", path, ovs_strerror(errno));
    }
    fputs(text, f);
    bool bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? xasprintf("%s: write failed", path) : NULL;
}

/* Runs "diff -u --label A --label B a b"; its output goes to stdout.
 * diff exits 0 (same) or 1 (different); anything else is an error. */
static char *run_diff(const char *la, const char *lb, const char *a,
                      const char *b)
{
    char *argv[] = {"diff",     "-u",      "--label", (char *)la, "--label",
                    (char *)lb, (char *)a, (char *)b, NULL};
    pid_t pid;
    fflush(stdout);
    int err = posix_spawnp(&pid, "diff", NULL, NULL, argv, environ);
    if (err) {
        return xasprintf("cannot run diff: %s", ovs_strerror(err));
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        continue;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
        return xstrdup("diff failed");
    }
    return NULL;
}

static char *diff_change(const struct ctl_change *c, const char *dir)
{
    const char *key = c->res ? c->res->key : c->old->key;
    char *old =
        c->old ? ctl_pretty(c->old->value, c->old->value_len) : xstrdup("");
    char *new =
        c->res ? ctl_pretty(c->res->value, strlen(c->res->value)) : xstrdup("");
    char *a = xasprintf("%s/etcd", dir), *b = xasprintf("%s/input", dir);
    char *la = xasprintf("%s (%s)", key, c->old ? "etcd" : "absent");
    char *lb = xasprintf("%s (%s)", key, c->res ? "input" : "pruned");
    char *error = write_text(a, old);
    if (!error) {
        error = write_text(b, new);
    }
    if (!error) {
        error = run_diff(la, lb, a, b);
    }
    unlink(a);
    unlink(b);
    free(la);
    free(lb);
    free(a);
    free(b);
    free(old);
    free(new);
    return error;
}

char *ctl_diff_plan(const struct ctl_plan *p)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = xasprintf("%s/flowsteerctl-diff.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        char *error = xasprintf("%s: %s", dir, ovs_strerror(errno));
        free(dir);
        return error;
    }
    char *error = NULL;
    for (size_t i = 0; i < p->n && !error; i++) {
        if (p->changes[i].action != CTL_UNCHANGED) {
            error = diff_change(&p->changes[i], dir);
        }
    }
    rmdir(dir);
    free(dir);
    return error;
}
