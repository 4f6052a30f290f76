/* Per-run SipHash keys for the library's hash tables (flow table, fragment pool): a fixed key
 * would let a crafted capture aim its tuples or fragments at one hash chain. */
#ifndef TCPSIFT_TOOLS_HASH_KEY_H
#define TCPSIFT_TOOLS_HASH_KEY_H

#include <stddef.h>
#include <stdint.h>

/* Fills key[0..len) from /dev/urandom; if that cannot be read, from addresses that vary with
 * ASLR (weaker, but never a constant). */
void random_hash_key(uint8_t *key, size_t len);

#endif
