/* Port ranges as masked matches: the classic prefix split of [min, max] into
 * aligned power-of-two blocks, each one value/mask pair (ovs-fields(7):
 * tcp_src and friends accept an arbitrary bitwise mask). */
#include <stdlib.h>

#include "render/internal.h"
#include "util.h"

size_t render_port_blocks(int min, int max,
                          struct render_port_mask out[RENDER_PORT_MASKS_MAX])
{
    if (min < 0 || (min == 0 && max == 0xffff)) {
        out[0] = (struct render_port_mask){0, 0};
        return 1;
    }
    size_t n = 0;
    unsigned int lo = min, hi = max;
    while (lo <= hi) {
        /* Largest block starting at 'lo' that is aligned and fits. */
        unsigned int size = lo ? (lo & -lo) : 0x10000;
        while (lo + size - 1 > hi) {
            size >>= 1;
        }
        ovs_assert(n < RENDER_PORT_MASKS_MAX);
        out[n++] = (struct render_port_mask){lo, 0xffff & ~(size - 1)};
        if (lo + size > 0xffff) {
            break;
        }
        lo += size;
    }
    return n;
}
