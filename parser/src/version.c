/* The run-time version call: the string generated from the project's
 * version into tcpsift/version.h when this library was built. */
#include "tcpsift/tcpsift.h"

const char *tcpsift_version(void)
{
    return TCPSIFT_VERSION_STRING;
}
