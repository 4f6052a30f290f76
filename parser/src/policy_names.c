/* Name tables of the configuration policies (policy_names.h). */
#include "policy_names.h"

#include <string.h>

const char *policy_name_at(const char *const *names, size_t count, unsigned value)
{
    return value < count && names[value] ? names[value] : "unknown";
}

tcpsift_error policy_index_of(const char *const *names, size_t count, const char *name,
                              unsigned *value)
{
    for (size_t i = 0; name && value && i < count; i++)
        if (names[i] && strcmp(name, names[i]) == 0) {
            *value = (unsigned)i;
            return TCPSIFT_OK;
        }
    return TCPSIFT_E_INVALID_ARGUMENT;
}
