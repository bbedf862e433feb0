/* SPDX-License-Identifier: MIT */
/*
 * Runs a libFuzzer target's entry point over saved inputs without libFuzzer:
 * the unit-test replay of Tests/CFeed/regressions/<target>/ (crash inputs
 * kept forever) and of seed corpora. Built once per target with
 * -DLLVMFuzzerTestOneInput=<name>_one -DFUZZ_ENTRY=<name>_one.
 *   fuzz_replay PATH...   (files, or directories of files; dot files skipped)
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int FUZZ_ENTRY(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    size_t got = fread(buf, 1, (size_t)(n > 0 ? n : 0), f);
    fclose(f);
    FUZZ_ENTRY(buf, got); /* a crash here ends the run: the runner reports it */
    free(buf);
    return 1;
}

static int run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    DIR *d = opendir(path);
    struct dirent *e;
    int count = 0;
    char full[4096];
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
        count += run_path(full);
    }
    if (d)
        closedir(d);
    return count;
}

int main(int argc, char **argv)
{
    int count = 0;
    for (int i = 1; i < argc; i++)
        count += run_path(argv[i]);
    printf("replayed %d inputs\n", count);
    return 0;
}
