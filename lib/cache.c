/*
 * cache.c - a key/value cache with ages in the sqlite store (see cache.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "clock.h"
#include "log.h"

static const struct va_migration migrations[] = {
	{ 1,
	  "CREATE TABLE cache_entries ("
	  " ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB,"
	  " stored_at INTEGER NOT NULL, PRIMARY KEY (ns, key));"
	  "CREATE INDEX cache_entries_age ON cache_entries (stored_at);" },
};

int
va_cache_init(struct va_store *st)
{
	return va_store_migrate(st, "cache", migrations,
	    sizeof(migrations) / sizeof(migrations[0]));
}

/* A NUL-terminated copy of len bytes at p (which may be NULL when empty). */
static void *
copy_value(const void *p, size_t len)
{
	char *v;

	if ((v = malloc(len + 1)) == NULL) {
		va_log(VA_ERROR, "cache_error", "cache value of %zu bytes: %s",
		    len, strerror(errno));
		return NULL;
	}
	if (len > 0)
		memcpy(v, p, len);
	v[len] = '\0';
	return v;
}

int
va_cache_get(struct va_store *st, const char *ns, const char *key,
    void **val, size_t *len, int64_t *age_ms)
{
	struct va_stmt *s;
	const void *p;
	size_t n;
	int64_t age;
	int rc;

	*val = NULL;
	*len = 0;
	s = va_store_prepare(st, "SELECT value, stored_at FROM cache_entries"
	    " WHERE ns = ? AND key = ?");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, ns) == -1 ||
	    va_stmt_bind_text(s, 2, key) == -1) {
		va_stmt_finalize(s);
		return -1;
	}
	if ((rc = va_stmt_step(s)) == 1) {
		p = va_stmt_blob(s, 0, &n);
		if ((*val = copy_value(p, n)) == NULL)
			rc = -1;
		else {
			*len = n;
			/* A clock set back makes an entry new, not negative. */
			age = va_clock_ms() - va_stmt_int(s, 1);
			if (age_ms != NULL)
				*age_ms = age > 0 ? age : 0;
		}
	}
	va_stmt_finalize(s);
	return rc;
}

int
va_cache_put(struct va_store *st, const char *ns, const char *key,
    const void *val, size_t len)
{
	struct va_stmt *s;
	int rc = -1;

	/* One statement, so a concurrent reader sees old or new, whole. */
	s = va_store_prepare(st, "INSERT INTO cache_entries"
	    " (ns, key, value, stored_at) VALUES (?, ?, ?, ?)"
	    " ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value,"
	    " stored_at = excluded.stored_at");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, ns) == 0 &&
	    va_stmt_bind_text(s, 2, key) == 0 &&
	    va_stmt_bind_blob(s, 3, val, len) == 0 &&
	    va_stmt_bind_int(s, 4, va_clock_ms()) == 0 &&
	    va_stmt_step(s) == 0)
		rc = 0;
	va_stmt_finalize(s);
	return rc;
}

int
va_cache_del(struct va_store *st, const char *ns, const char *key)
{
	struct va_stmt *s;
	int rc = -1;

	s = va_store_prepare(st,
	    "DELETE FROM cache_entries WHERE ns = ? AND key = ?");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_text(s, 1, ns) == 0 &&
	    va_stmt_bind_text(s, 2, key) == 0 && va_stmt_step(s) == 0)
		rc = 0;
	va_stmt_finalize(s);
	return rc;
}

long
va_cache_prune(struct va_store *st, const char *ns, int64_t max_age_ms)
{
	struct va_stmt *s;
	long n = -1;

	s = va_store_prepare(st, "DELETE FROM cache_entries"
	    " WHERE stored_at < ?1 AND (?2 IS NULL OR ns = ?2)");
	if (s == NULL)
		return -1;
	if (va_stmt_bind_int(s, 1, va_clock_ms() - max_age_ms) == 0 &&
	    va_stmt_bind_text(s, 2, ns) == 0 && va_stmt_step(s) == 0)
		n = (long)va_store_changes(st);
	va_stmt_finalize(s);
	return n;
}
