/* The CLI's signal handling (cli_signals.h): process state by nature, so it lives in the
 * command-line tool, never in the library. */
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS, SA_RESETHAND */
#include "cli_signals.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t mapping_faulted;
static uintptr_t watched_base;
static size_t watched_len, page_size;
static struct sigaction old_int, old_term, old_hup, old_bus;
static int stop_caught, bus_caught;

static void on_stop(int sig)
{
    if (!stop_signal) stop_signal = sig;
}

/* A read of the watched mapping past the file's end: the page becomes zeros (the read goes on
 * and the reader stops at its next check); any other SIGBUS gets the default action. */
static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    uintptr_t at = (uintptr_t)si->si_addr;
    if (watched_base && at >= watched_base && at - watched_base < watched_len) {
        void *page = (void *)(at & ~(uintptr_t)(page_size - 1));
        if (mmap(page, page_size, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
            MAP_FAILED) {
            mapping_faulted = 1;
            return;
        }
    }
    signal(sig, SIG_DFL); /* the faulting read runs again and ends the process as before */
}

void cli_stop_signals_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sa.sa_flags = SA_RESETHAND; /* no SA_RESTART: a blocking read() returns EINTR at once */
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    stop_caught = 1;
}

void cli_stop_signals_release(void)
{
    if (!stop_caught) return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    stop_caught = 0;
}

int cli_stop_requested(void)
{
    return stop_signal;
}

void cli_mapping_watch(const void *base, size_t len)
{
    long page = sysconf(_SC_PAGESIZE);
    page_size = page > 0 ? (size_t)page : 4096;
    watched_base = (uintptr_t)base;
    watched_len = len;
    mapping_faulted = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &old_bus);
    bus_caught = 1;
}

void cli_mapping_unwatch(void)
{
    if (!bus_caught) return;
    sigaction(SIGBUS, &old_bus, NULL);
    watched_base = 0;
    watched_len = 0;
    bus_caught = 0;
}

int cli_mapping_faulted(void)
{
    return mapping_faulted;
}

const char *cli_signal_name(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    default: return "signal";
    }
}
