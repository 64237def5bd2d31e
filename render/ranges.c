/* Port ranges as masked matches: the classic prefix split of [min, max] into
 * aligned power-of-two blocks, each one value/mask match (ovs-fields(7):
 * tcp_src and friends accept an arbitrary bitwise mask). */
#include <stdlib.h>

#include "render/internal.h"
#include "util.h"

size_t render_port_masks(const char *field, int min, int max, char ***out)
{
    size_t n = 0, allocated = 0;
    *out = NULL;
    if (min < 0 || (min == 0 && max == 0xffff)) {
        *out = xmalloc(sizeof **out);
        (*out)[0] = xstrdup("");
        return 1;
    }
    unsigned int lo = min, hi = max;
    while (lo <= hi) {
        /* Largest block starting at 'lo' that is aligned and fits. */
        unsigned int size = lo ? (lo & -lo) : 0x10000;
        while (lo + size - 1 > hi) {
            size >>= 1;
        }
        if (n >= allocated) {
            *out = x2nrealloc(*out, &allocated, sizeof **out);
        }
        unsigned int mask = 0xffff & ~(size - 1);
        (*out)[n++] = mask == 0xffff
                          ? xasprintf(",%s=%u", field, lo)
                          : xasprintf(",%s=0x%x/0x%x", field, lo, mask);
        if (lo + size > 0xffff) {
            break;
        }
        lo += size;
    }
    return n;
}
