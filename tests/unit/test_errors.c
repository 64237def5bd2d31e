/* Unit tests for the status error list (model/errors.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "model/errors.h"

static void test_add_formats_and_copies(void **state)
{
    (void)state;
    struct fs_errors errs = FS_ERRORS_INITIALIZER;
    char key[] = "/flowsteer/v1/ports/p1";
    fs_errors_add(&errs, key, "$.mac_address", "bad MAC %s", "zz");
    key[0] = 'X';
    assert_int_equal(errs.n, 1);
    assert_string_equal(errs.items[0].key, "/flowsteer/v1/ports/p1");
    assert_string_equal(errs.items[0].path, "$.mac_address");
    assert_string_equal(errs.items[0].message, "bad MAC zz");
    assert_true(fs_errors_has_key(&errs, "/flowsteer/v1/ports/p1"));
    assert_false(fs_errors_has_key(&errs, "/flowsteer/v1/ports/p2"));
    fs_errors_destroy(&errs);
}

static void test_extend_and_clear(void **state)
{
    (void)state;
    struct fs_errors a = FS_ERRORS_INITIALIZER, b = FS_ERRORS_INITIALIZER;
    for (int i = 0; i < 20; i++) {
        fs_errors_add(&a, "k", NULL, "e%d", i);
    }
    fs_errors_extend(&b, &a);
    assert_int_equal(b.n, 20);
    assert_string_equal(b.items[19].message, "e19");
    assert_string_equal(b.items[0].path, "$");
    fs_errors_clear(&a);
    assert_int_equal(a.n, 0);
    fs_errors_destroy(&a);
    fs_errors_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_formats_and_copies),
        cmocka_unit_test(test_extend_and_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
