// The ESP8266-profile interpreter's axTLS allocates from the MicroPython heap, as on the chip:
// ports/esp8266/posix_helpers.c gives axTLS malloc/calloc/realloc/free on top of gc_alloc,
// so TLS buffers share the 38 KB heap with the firmware. The unix port would use libc malloc
// and hide that cost. The Makefile renames axTLS's calls to these (AXTLS_DEFS_EXTRA).
#include <errno.h>
#include <stddef.h>
#include "py/gc.h"

void *ax_gc_malloc(size_t size) {
    void *p = gc_alloc(size, 0);
    if (p == NULL) {
        errno = ENOMEM;
    }
    return p;
}

void ax_gc_free(void *ptr) {
    gc_free(ptr);
}

void *ax_gc_calloc(size_t nmemb, size_t size) {
    return ax_gc_malloc(nmemb * size);  // gc_alloc hands out zeroed blocks
}

void *ax_gc_realloc(void *ptr, size_t size) {
    void *p = gc_realloc(ptr, size, true);
    if (p == NULL) {
        errno = ENOMEM;
    }
    return p;
}
