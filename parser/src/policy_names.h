/* A configuration policy's names, as a table indexed by its enum value: every policy's
 * tcpsift_*_policy_name() and tcpsift_*_policy_parse() are these two lookups, so a new policy
 * writes its names once and cannot let the two directions disagree. */
#ifndef TCPSIFT_POLICY_NAMES_H
#define TCPSIFT_POLICY_NAMES_H

#include <stddef.h>

#include "tcpsift/error.h"

#define POLICY_NAMES(table) (table), sizeof(table) / sizeof((table)[0])

/* The name of value, or "unknown" for a value outside the table (a cast from a bad integer). */
const char *policy_name_at(const char *const *names, size_t count, unsigned value);

/* Sets *value to the index of name; TCPSIFT_E_INVALID_ARGUMENT (and *value untouched) for a name
 * not in the table or a NULL argument. */
tcpsift_error policy_index_of(const char *const *names, size_t count, const char *name,
                              unsigned *value);

#endif
