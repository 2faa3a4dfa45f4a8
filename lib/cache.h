/*
 * cache.h - a key/value cache with ages, in the sqlite store, for backend
 * answers (orders, shipments, payments) and synthesized prompts.
 *
 * Entries live in table cache_entries(ns, key, value BLOB, stored_at) and
 * are shared by every process using the same store. An entry is fresh for
 * ttl_ms after it was stored; a stale entry is still returned when asked
 * for (so a caller hears an old answer rather than silence while a refresh
 * runs or the backend is down), with its age, and the caller decides.
 * va_cache_prune() removes entries older than a bound. Values are opaque
 * bytes (JSON text, audio); values are new buffers (free()).
 */
#ifndef VA_CACHE_H
#define VA_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Create the table; 0 or -1. */
int	va_cache_init(struct va_store *);

/*
 * Look up ns/key. Returns 1 when present and sets *val (NUL-terminated
 * too), *len and *age_ms (may be NULL; never negative), 0 when absent
 * (*val NULL), -1 on error.
 */
int	va_cache_get(struct va_store *, const char *ns, const char *key,
	    void **val, size_t *len, int64_t *age_ms);
/* Store or replace; 0 or -1. */
int	va_cache_put(struct va_store *, const char *ns, const char *key,
	    const void *val, size_t len);
/* Remove one entry; 0 or -1. */
int	va_cache_del(struct va_store *, const char *ns, const char *key);
/* Remove entries of ns (NULL: all) older than max_age_ms; count or -1. */
long	va_cache_prune(struct va_store *, const char *ns, int64_t max_age_ms);

#endif
