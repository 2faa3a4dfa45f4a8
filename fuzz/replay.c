/*
 * replay.c - run a fuzz harness over its saved inputs as a TAP test.
 *
 * Linked with one fuzz/fz_NAME.c in place of libFuzzer's main, so make
 * check (plain, SAN=1, VALGRIND=1) runs every harness over its seed
 * corpus (fuzz/corpus/NAME) and over the inputs that once broke it
 * (fuzz/regress/NAME). A harness checks its own properties and abort()s
 * when one fails; an input that crashes the harness fails the suite.
 * The folders are found under $VA_TOP (the checkout; default ".").
 */
#include <sys/stat.h>

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fz.h"

static int ntest;
static char current[4096];	/* the input being replayed */

/* Name the input that broke the harness, on its way down. */
static void
say_current(void)
{
	static const char pre[] = "replay: the harness failed on ";

	if (current[0] == '\0')
		return;
	(void)!write(2, pre, sizeof(pre) - 1);
	(void)!write(2, current, strlen(current));
	(void)!write(2, "\n", 1);
}

static void
on_fatal(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run the harness on one file; 0, or -1 when it cannot be read. */
static int
replay(const char *path)
{
	FILE *f;
	uint8_t *buf;
	long size;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == -1 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		fclose(f);
		return -1;
	}
	/* A copy of exactly the file's size, so reading past it is caught. */
	if ((buf = malloc(size > 0 ? (size_t)size : 1)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, (size_t)size, f);
	fclose(f);
	if (n != (size_t)size) {
		free(buf);
		return -1;
	}
	snprintf(current, sizeof(current), "%s", path);
	LLVMFuzzerTestOneInput(buf, n);
	current[0] = '\0';
	free(buf);
	return 0;
}

/* Replay every regular file in dir, in name order; the files counted. */
static int
replay_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0, i;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((names = realloc(names, cap * sizeof(*names))) == NULL)
				abort();
		}
		if ((names[n++] = strdup(e->d_name)) == NULL)
			abort();
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			int r = replay(path);
			printf("%s %d - %s%s\n", r == 0 ? "ok" : "not ok",
			    ++ntest, path, r == 0 ? "" : ": cannot read");
			fflush(stdout);
		}
		free(names[i]);
	}
	free(names);
	return (int)n;
}

int
main(void)
{
	const char *top = getenv("VA_TOP");
	char dir[4096];

	if (top == NULL || *top == '\0')
		top = ".";
	signal(SIGABRT, on_fatal);
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGFPE, on_fatal);
#ifdef VA_ASAN
	__sanitizer_set_death_callback(say_current);
#endif
	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", top, FZ_NAME);
	replay_dir(dir);
	snprintf(dir, sizeof(dir), "%s/fuzz/regress/%s", top, FZ_NAME);
	replay_dir(dir);
	if (ntest == 0) {
		printf("not ok 1 - no inputs for %s under %s/fuzz\n",
		    FZ_NAME, top);
		ntest = 1;
	}
	printf("1..%d\n", ntest);
	return 0;
}
