/* Error names and descriptions, generated from the one X-macro list. */
#include "tcpsift/error.h"

static const char *const error_names[] = {
#define TCPSIFT_X_NAME(suffix, name, text) name,
    TCPSIFT_ERROR_LIST(TCPSIFT_X_NAME)
#undef TCPSIFT_X_NAME
};

static const char *const error_texts[] = {
#define TCPSIFT_X_TEXT(suffix, name, text) text,
    TCPSIFT_ERROR_LIST(TCPSIFT_X_TEXT)
#undef TCPSIFT_X_TEXT
};

const char *tcpsift_error_name(tcpsift_error err)
{
    if ((unsigned)err >= (unsigned)TCPSIFT_ERROR_COUNT_) return "unknown_error";
    return error_names[err];
}

const char *tcpsift_error_text(tcpsift_error err)
{
    if ((unsigned)err >= (unsigned)TCPSIFT_ERROR_COUNT_) return "unknown error code";
    return error_texts[err];
}
