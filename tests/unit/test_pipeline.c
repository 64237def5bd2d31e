/* Unit tests for the declared pipeline (render/pipeline.c): each way a
 * flow can break its table's declaration is caught and named, and
 * docs/architecture.md's pipeline table agrees with the declarations
 * (every declared table is in it, every row's writer is its table's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "render/flow.h"
#include "render/pipeline.h"
#include "util.h"

/* Returns the pipeline check's message for the flow of 'text' (caller
 * frees; NULL: the flow keeps to its table's declaration). */
static char *check_text(const char *text)
{
    struct fs_flow f;
    assert_null(fs_flow_parse(&f, text));
    char *error = fs_pipeline_check(&f);
    fs_flow_destroy(&f);
    return error;
}

/* Each way to break a table's declaration is caught and named. */
static void test_pipeline_check(void **state)
{
    (void)state;
    static const struct {
        const char *flow, *why;
    } cases[] = {
        {"table=0,in_port=1,actions=set_field:1->reg6,goto_table:1", NULL},
        {"table=55,metadata=1,dl_dst=fa:16:3e:00:00:01,actions=set_field:"
         "1->reg7,goto_table:75",
         NULL},
        {"table=1,reg6=1,udp,nw_src=0.0.0.0,tp_src=68,tp_dst=67,actions="
         "goto_table:10",
         NULL},
        {"table=55,reg6=1,actions=drop", "matches reg6"},
        {"table=0,in_port=1,actions=set_field:1->reg5,goto_table:1",
         "sets reg5"},
        {"table=0,in_port=1,actions=goto_table:80", "goes to table 80"},
        {"table=80,reg7=1,actions=clone(set_field:1->reg6,output:1)",
         "sets reg6"},
        {"table=99,actions=drop", "table 99 is not in the pipeline"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *error = check_text(cases[i].flow);
        if (!cases[i].why) {
            if (error) {
                print_error("%s\n", error);
            }
            assert_null(error);
        } else {
            assert_non_null(error);
            if (!strstr(error, cases[i].why)) {
                print_error("%s: want \"%s\"\n", error, cases[i].why);
            }
            assert_non_null(strstr(error, cases[i].why));
            free(error);
        }
    }
}

/* The rows "| T | writer | ..." of docs/architecture.md's section
 * "Integration bridge pipeline": each names a declared table and its
 * writer, and each declared table has a row. */
static void test_doc_table(void **state)
{
    (void)state;
    FILE *f = fopen("docs/architecture.md", "r");
    assert_non_null(f);
    size_t n;
    const struct fs_table_decl *decls = fs_pipeline_decls(&n);
    bool *seen = xcalloc(n, sizeof *seen);
    bool in_section = false;
    size_t rows = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "## ", 3)) {
            in_section = !strncmp(line, "## Integration bridge pipeline", 30);
        }
        int table, len = 0;
        char writer[64];
        if (!in_section ||
            sscanf(line, "| %d | %63[a-z0-9_.] |%n", &table, writer, &len) <
                2 ||
            !len) {
            continue;
        }
        rows++;
        const struct fs_table_decl *d = fs_pipeline_decl(table);
        if (!d || strcmp(d->writer, writer)) {
            print_error("docs/architecture.md: table %d written by %s, "
                        "declared %s\n",
                        table, writer, d ? d->writer : "nowhere");
        }
        assert_non_null(d);
        assert_string_equal(d->writer, writer);
        seen[d - decls] = true;
    }
    fclose(f);
    assert_true(rows > 0);
    for (size_t i = 0; i < n; i++) {
        if (!seen[i]) {
            print_error("docs/architecture.md has no row of table %d (%s)\n",
                        decls[i].table, decls[i].name);
        }
        assert_true(seen[i]);
    }
    free(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_check),
        cmocka_unit_test(test_doc_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
