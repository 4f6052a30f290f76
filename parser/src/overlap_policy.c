/* Overlap policies: which of two copies of the same sequence range is kept.
 * Definitions and their source are in tcpsift/reassembly.h (enum tcpsift_overlap_policy). */
#include "policy_names.h"
#include "tcpsift/reassembly.h"

static const char *const policy_names[TCPSIFT_OVERLAP_COUNT_] = {
    [TCPSIFT_OVERLAP_FIRST] = "first",     [TCPSIFT_OVERLAP_LAST] = "last",
    [TCPSIFT_OVERLAP_BSD] = "bsd",         [TCPSIFT_OVERLAP_WINDOWS] = "windows",
    [TCPSIFT_OVERLAP_LINUX] = "linux",     [TCPSIFT_OVERLAP_OLD_LINUX] = "old_linux",
    [TCPSIFT_OVERLAP_SOLARIS] = "solaris",
};

const char *tcpsift_overlap_policy_name(tcpsift_overlap_policy p)
{
    return policy_name_at(POLICY_NAMES(policy_names), (unsigned)p);
}

tcpsift_error tcpsift_overlap_policy_parse(const char *name, tcpsift_overlap_policy *out)
{
    unsigned v;
    if (!out || policy_index_of(POLICY_NAMES(policy_names), name, &v) != TCPSIFT_OK)
        return TCPSIFT_E_INVALID_ARGUMENT;
    *out = (tcpsift_overlap_policy)v;
    return TCPSIFT_OK;
}

int tcpsift_overlap_new_wins(tcpsift_overlap_policy p, uint64_t new_start, uint64_t new_end,
                             uint64_t old_start, uint64_t old_end)
{
    switch (p) {
    case TCPSIFT_OVERLAP_FIRST:
        return 0;
    case TCPSIFT_OVERLAP_LAST:
        return 1;
    case TCPSIFT_OVERLAP_BSD:
    case TCPSIFT_OVERLAP_WINDOWS:
        /* The receiver trims the front of a segment that starts inside held data only when the
         * new one begins earlier; otherwise the held (original) bytes stay. */
        return new_start < old_start;
    case TCPSIFT_OVERLAP_LINUX:
        return new_start < old_start || (new_start == old_start && new_end > old_end);
    case TCPSIFT_OVERLAP_OLD_LINUX:
        return new_start < old_start || (new_start == old_start && new_end >= old_end);
    case TCPSIFT_OVERLAP_SOLARIS:
        return new_end > old_end || (new_end == old_end && new_start <= old_start);
    case TCPSIFT_OVERLAP_COUNT_:
        break;
    }
    return 0; /* out-of-range policy behaves as FIRST: never overwrite what is held */
}
