/* Standalone driver for the fuzz harnesses: runs every file named on the
 * command line, and every regular file inside every directory named there
 * (sorted, not recursive), through LLVMFuzzerTestOneInput once. No fuzzing
 * engine: builds with gcc or clang, runs under valgrind and coverage.
 *
 * Each input is copied into a malloc'd buffer of exactly its size so ASan and
 * valgrind catch reads one byte past it. README* and dot files are skipped
 * (the regression directories document themselves). A harness that finds a
 * property broken aborts, so any failure is a non-zero exit. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return -1;
    }
    long end = ftell(f);
    rewind(f);
    if (end < 0) {
        fclose(f);
        return -1;
    }
    size_t size = (size_t)end;
    /* malloc(0) may return NULL: keep a valid pointer with no readable bytes. */
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL || fread(buf, 1, size, f) != size) {
        fprintf(stderr, "%s: read failed\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    /* A property that breaks aborts: the name on stderr first says which input it was. */
    fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(buf, size);
    free(buf);
    return 0;
}

static int skip_name(const char *name)
{
    return name[0] == '.' || strncmp(name, "README", 6) == 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs run, or -1 on an unreadable directory. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (skip_name(e->d_name)) continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (grown == NULL) abort();
            names = grown;
        }
        size_t n = strlen(e->d_name) + 1;
        names[count] = malloc(n);
        if (names[count] == NULL) abort();
        memcpy(names[count++], e->d_name, n);
    }
    closedir(d);
    if (count > 1) qsort(names, count, sizeof *names, by_name);
    long ran = 0;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(n);
        if (path == NULL) abort();
        snprintf(path, n, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) == 0) ran++;
        free(path);
        free(names[i]);
    }
    free(names);
    return ran;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    long total = 0;
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            long ran = run_dir(argv[i]);
            if (ran < 0) bad = 1;
            else total += ran;
        } else if (run_file(argv[i]) == 0) {
            total++;
        } else {
            bad = 1;
        }
    }
    printf("%s: %ld inputs replayed, no property broken\n", argv[0], total);
    return bad;
}
