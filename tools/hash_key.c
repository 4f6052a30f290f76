#include "hash_key.h"

#include <stdio.h>

void random_hash_key(uint8_t *key, size_t len)
{
    FILE *r = fopen("/dev/urandom", "rb");
    if (!r || fread(key, 1, len, r) != len) {
        for (size_t i = 0; i < len; i++)
            key[i] = (uint8_t)((uintptr_t)key >> (i % 8) ^ (uintptr_t)&r >> (i % 5));
    }
    if (r) fclose(r);
}
