/*
 * t_cache.c - unit tests for lib/cache.c: values and ages under a movable
 * clock, binary values, replace, delete, prune, and several processes on
 * one store.
 */
#include <sys/wait.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "log.h"
#include "store.h"
#include "tap.h"

#define T0	1700000000000LL
#define NCHILD	4
#define NKEYS	100	/* per child */
#define HOTLEN	1000

static char dir[] = "/tmp/t_cache.XXXXXX";

static const char *
dbpath(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

/* Get ns/key as a string for is_str; "(absent)" or "(error)" otherwise. */
static const char *
get_str(struct va_store *s, const char *ns, const char *key, int64_t *age)
{
	static char buf[256];
	size_t len;
	void *v;
	int rc;

	rc = va_cache_get(s, ns, key, &v, &len, age);
	if (rc != 1)
		return rc == 0 ? "(absent)" : "(error)";
	snprintf(buf, sizeof(buf), "%s", (char *)v);
	free(v);
	return buf;
}

static void
test_basic(struct va_store *s)
{
	static const char json[] =
	    "{\"number\":\"10234\",\"status\":\"shipped\"}";
	size_t len = 99;
	int64_t age = -1;
	void *v = &len;

	is_int(va_cache_init(s), 0, "init");
	is_int(va_cache_init(s), 0, "init again is a no-op");
	is_int(va_store_version(s, "cache"), 1, "component cache at version 1");

	is_int(va_cache_get(s, "orders", "10234", &v, &len, &age), 0,
	    "absent before put");
	ok(v == NULL && len == 0, "absent leaves no value");

	va_clock_set_fixed(T0);
	is_int(va_cache_put(s, "orders", "10234", json, strlen(json)), 0,
	    "put");
	is_int(va_cache_get(s, "orders", "10234", &v, &len, &age), 1,
	    "get after put");
	is_int(len, strlen(json), "length");
	ok(v != NULL && memcmp(v, json, len) == 0, "value");
	ok(v != NULL && ((char *)v)[len] == '\0', "NUL-terminated");
	is_int(age, 0, "age 0 at once");
	free(v);

	va_clock_set_fixed(T0 + 1500);
	is_str(get_str(s, "orders", "10234", &age), json, "still there");
	is_int(age, 1500, "age follows the clock");
	va_clock_set_fixed(T0 + 3600000);
	get_str(s, "orders", "10234", &age);
	is_int(age, 3600000, "a stale entry is still returned, with its age");
	is_int(va_cache_get(s, "orders", "10234", &v, &len, NULL), 1,
	    "age_ms may be NULL");
	free(v);

	is_int(va_cache_put(s, "orders", "10234", "{}", 2), 0, "replace");
	is_str(get_str(s, "orders", "10234", &age), "{}", "new value");
	is_int(age, 0, "replace resets the age");

	va_clock_set_fixed(T0);
	get_str(s, "orders", "10234", &age);
	is_int(age, 0, "a clock set back gives age 0, not negative");

	is_str(get_str(s, "shipments", "10234", NULL), "(absent)",
	    "namespaces are separate");
	is_int(va_cache_put(s, "shipments", "10234", "x", 1), 0,
	    "put same key in another ns");
	is_str(get_str(s, "orders", "10234", NULL), "{}",
	    "other ns untouched");

	is_int(va_cache_del(s, "orders", "10234"), 0, "del");
	is_str(get_str(s, "orders", "10234", NULL), "(absent)",
	    "absent after del");
	is_str(get_str(s, "shipments", "10234", NULL), "x",
	    "del touches one ns only");
	is_int(va_cache_del(s, "orders", "10234"), 0, "del of absent is ok");
}

static void
test_binary(struct va_store *s)
{
	unsigned char bin[256], *big;
	size_t len, i, biglen = 1 << 20;
	void *v;
	int64_t age;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)i;
	is_int(va_cache_put(s, "audio", "bytes", bin, sizeof(bin)), 0,
	    "put binary with NULs");
	is_int(va_cache_get(s, "audio", "bytes", &v, &len, &age), 1, "get it");
	is_int(len, sizeof(bin), "whole length, past the NULs");
	ok(memcmp(v, bin, sizeof(bin)) == 0, "bytes intact");
	free(v);

	is_int(va_cache_put(s, "audio", "empty", NULL, 0), 0, "put empty");
	is_int(va_cache_get(s, "audio", "empty", &v, &len, &age), 1,
	    "empty value is present");
	ok(v != NULL && len == 0 && *(char *)v == '\0', "as an empty string");
	free(v);

	if ((big = malloc(biglen)) == NULL) {
		ok(0, "malloc");
		return;
	}
	for (i = 0; i < biglen; i++)
		big[i] = (unsigned char)(i * 7 + (i >> 8));
	is_int(va_cache_put(s, "audio", "prompt", big, biglen), 0,
	    "put 1 MiB");
	is_int(va_cache_get(s, "audio", "prompt", &v, &len, &age), 1,
	    "get 1 MiB");
	ok(len == biglen && memcmp(v, big, biglen) == 0, "1 MiB intact");
	free(v);
	free(big);
}

static void
test_prune(struct va_store *s)
{
	static const char *const ns[] = { "a", "b" };
	char key[16];
	int i, j;

	va_store_exec(s, "DELETE FROM cache_entries");
	/* Entries stored at T0, T0 + 1000 and T0 + 2000 in a and b. */
	for (i = 0; i < 3; i++) {
		va_clock_set_fixed(T0 + i * 1000);
		for (j = 0; j < 2; j++) {
			snprintf(key, sizeof(key), "k%d", i);
			va_cache_put(s, ns[j], key, "v", 1);
		}
	}
	va_clock_set_fixed(T0 + 3000);
	is_int(va_cache_prune(s, "a", 2000), 1,
	    "prune a: only the entry older than 2000 ms (age 3000)");
	is_str(get_str(s, "a", "k1", NULL), "v",
	    "an entry exactly max_age old stays");
	is_int(va_cache_prune(s, "a", 1500), 1, "prune a older than 1500");
	is_str(get_str(s, "a", "k0", NULL), "(absent)", "a/k0 gone");
	is_str(get_str(s, "a", "k1", NULL), "(absent)", "a/k1 gone");
	is_str(get_str(s, "a", "k2", NULL), "v", "a/k2 kept");
	is_str(get_str(s, "b", "k0", NULL), "v", "b untouched by prune of a");
	is_int(va_cache_prune(s, NULL, 1500), 2, "prune all namespaces");
	is_str(get_str(s, "b", "k2", NULL), "v", "b/k2 kept");
	is_int(va_cache_prune(s, NULL, 0), 2, "prune everything older than 0");
	is_int(va_cache_prune(s, NULL, 0), 0, "nothing left");
}

/* Is v len bytes of one letter? */
static int
uniform(const void *v, size_t len)
{
	const char *p = v;
	size_t i;

	for (i = 1; i < len; i++)
		if (p[i] != p[0])
			return 0;
	return 1;
}

static int
child(int n, int startfd)
{
	struct va_store *s;
	char key[32], val[64], hot[HOTLEN];
	void *v;
	size_t len;
	int i, rc = 1;

	/* Wait for the parent to close the pipe, so all start together. */
	while (read(startfd, hot, 1) > 0)
		;
	if ((s = va_store_open(dbpath("conc.db"))) == NULL)
		return 1;
	if (va_cache_init(s) == -1)
		goto out;
	memset(hot, 'a' + n, sizeof(hot));
	for (i = 0; i < NKEYS; i++) {
		snprintf(key, sizeof(key), "c%d-%d", n, i);
		snprintf(val, sizeof(val), "value %d of child %d", i, n);
		if (va_cache_put(s, "conc", key, val, strlen(val)) == -1 ||
		    va_cache_put(s, "conc", "hot", hot, sizeof(hot)) == -1)
			goto out;
		/* Someone's whole value, never a mixture. */
		if (va_cache_get(s, "conc", "hot", &v, &len, NULL) != 1)
			goto out;
		rc = len != HOTLEN || !uniform(v, len);
		free(v);
		if (rc)
			goto out;
		if (va_cache_get(s, "conc", key, &v, &len, NULL) != 1)
			goto out;
		rc = strcmp(v, val) != 0;
		free(v);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	va_store_close(s);
	return rc;
}

static void
test_processes(void)
{
	struct va_store *s;
	char key[32], val[64];
	pid_t pid[NCHILD];
	void *v;
	size_t len;
	int fds[2], i, j, status, good = 0, found = 0;

	if (pipe(fds) == -1) {
		ok(0, "pipe");
		return;
	}
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < NCHILD; i++)
		if ((pid[i] = fork()) == 0) {
			close(fds[1]);
			_exit(child(i, fds[0]));
		}
	close(fds[0]);
	close(fds[1]);
	for (i = 0; i < NCHILD; i++)
		if (pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	is_int(good, NCHILD, "%d processes put and got concurrently", NCHILD);

	s = va_store_open(dbpath("conc.db"));
	for (i = 0; i < NCHILD; i++)
		for (j = 0; j < NKEYS; j++) {
			snprintf(key, sizeof(key), "c%d-%d", i, j);
			snprintf(val, sizeof(val), "value %d of child %d", j,
			    i);
			if (va_cache_get(s, "conc", key, &v, &len, NULL) == 1) {
				found += strcmp(v, val) == 0;
				free(v);
			}
		}
	is_int(found, NCHILD * NKEYS, "every process's entries are there");
	ok(va_cache_get(s, "conc", "hot", &v, &len, NULL) == 1 &&
	    len == HOTLEN && uniform(v, len), "the contended key holds one"
	    " process's whole value");
	free(v);
	va_store_close(s);
}

int
main(void)
{
	struct va_store *s;
	char cmd[600];

	setenv("VA_LOG", "brief", 1);
	va_log_init("t_cache");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if ((s = va_store_open(dbpath("cache.db"))) == NULL) {
		ok(0, "store opens");
		return tap_done();
	}
	test_basic(s);
	test_binary(s);
	test_prune(s);
	va_store_close(s);
	test_processes();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
