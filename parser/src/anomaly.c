/* Anomaly names and meanings, generated from the one X-macro list. */
#include "tcpsift/anomaly.h"

static const char *const anomaly_names[] = {
#define TCPSIFT_X_NAME(suffix, name, text) name,
    TCPSIFT_ANOMALY_LIST(TCPSIFT_X_NAME)
#undef TCPSIFT_X_NAME
};

static const char *const anomaly_texts[] = {
#define TCPSIFT_X_TEXT(suffix, name, text) text,
    TCPSIFT_ANOMALY_LIST(TCPSIFT_X_TEXT)
#undef TCPSIFT_X_TEXT
};

const char *tcpsift_anomaly_name(tcpsift_anomaly anomaly)
{
    if ((unsigned)anomaly >= (unsigned)TCPSIFT_ANOMALY_COUNT) return "unknown_anomaly";
    return anomaly_names[anomaly];
}

const char *tcpsift_anomaly_text(tcpsift_anomaly anomaly)
{
    if ((unsigned)anomaly >= (unsigned)TCPSIFT_ANOMALY_COUNT) return "unknown anomaly";
    return anomaly_texts[anomaly];
}
