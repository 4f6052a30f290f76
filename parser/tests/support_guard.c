/* Guard-page placement for tests: see support_guard.h. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "support_guard.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const uint8_t *guard_place(struct guard_buf *g, const void *data, size_t len)
{
    g->map = NULL;
    g->map_len = 0;
    long page_l = sysconf(_SC_PAGESIZE);
    size_t page = page_l > 0 ? (size_t)page_l : 4096u;
    if (len > SIZE_MAX - 2 * page) return NULL;
    size_t data_pages = (len + page - 1) / page;
    size_t map_len = (data_pages + 1) * page;
    void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) return NULL;
    uint8_t *guard = (uint8_t *)map + data_pages * page;
    if (mprotect(guard, page, PROT_NONE) != 0) {
        munmap(map, map_len);
        return NULL;
    }
    g->map = map;
    g->map_len = map_len;
    uint8_t *start = guard - len;
    if (len) memcpy(start, data, len);
    return start;
}

void guard_release(struct guard_buf *g)
{
    if (g->map) munmap(g->map, g->map_len);
    g->map = NULL;
    g->map_len = 0;
}
