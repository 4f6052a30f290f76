/* Test support: an allocator whose memory is full of 0xA5, so a table that reads a byte it did
 * not write (slots are taken fresh and untouched until then; nothing may assume zeroed memory)
 * sees garbage instead of the zeros malloc often happens to give. */
#ifndef TCPSIFT_SUPPORT_ALLOC_H
#define TCPSIFT_SUPPORT_ALLOC_H

#include "tcpsift/alloc.h"

extern const tcpsift_allocator support_poisoned_allocator;

#endif
