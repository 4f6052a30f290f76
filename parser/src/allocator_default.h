/* The allocator an object uses when its creator gives none (tcpsift/alloc.h: NULL means the C
 * library's malloc and free), written once for every object that owns memory. */
#ifndef TCPSIFT_ALLOCATOR_DEFAULT_H
#define TCPSIFT_ALLOCATOR_DEFAULT_H

#include "tcpsift/alloc.h"

/* *given, or malloc/free when given is NULL. */
tcpsift_allocator allocator_or_libc(const tcpsift_allocator *given);

/* Whether an object can be created with given: NULL (the C library's) or both hooks set. A create
 * call refuses anything else with TCPSIFT_E_INVALID_ARGUMENT before it allocates. */
int allocator_usable(const tcpsift_allocator *given);

#endif
