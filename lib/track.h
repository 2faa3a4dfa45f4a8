/*
 * track.h - shipment lookups across carriers: carrier detection, three
 * cache layers, OAuth tokens, rate limits, retries and the outbox.
 *
 * A lookup is answered from the first layer that has the number: this
 * process's memory, the sqlite cache shared by every process on the store
 * (lib/cache.h), then the carrier (lib/carrier.h). An entry younger than
 * ttl_ms is fresh; one younger than stale_ms is served at once, marked
 * stale, while a refresh runs behind it. Tokens of the OAuth carriers are
 * kept in the store too (cache namespace "track_token"), so processes share
 * them, and are renewed on expiry and once on a 401. Requests keep within
 * each carrier's rate (lib/ratelimit.h); 429, 5xx and timeouts are retried
 * with backoff and jitter inside a time budget. What still fails (and a
 * number the carrier does not know yet) answers the caller gracefully and
 * leaves a refresh job in the outbox (lib/outbox.h, kind "track", key
 * "carrier:number"), which va_track_drain() works off later. A circuit
 * breaker per carrier (lib/breaker.h, name "track:<carrier>") counts
 * lookups that failed after their retries (timeouts, 5xx, unreachable,
 * 429s, malformed bodies; a not-found or a refused credential is an
 * answer); while it is open a lookup that needs the carrier is answered
 * at once, unavailable with why "breaker_open", and its refresh job still
 * goes to the outbox; lookups queued behind the rate limit or a backoff
 * when it opens fail the same way when their turn comes. A breaker found
 * closed with no failures is taken as such for 100 ms without reading it
 * again (another process's opening is seen that late at most).
 *
 * Everything is asynchronous over lib/fetch.c: va_track_lookup() may
 * answer at once (a cache hit, an invalid number) or later, from
 * va_track_run(), which the caller's loop calls with its input descriptor.
 * Timers use the real monotonic clock even under VA_FIXED_CLOCK; cache
 * ages and token expiry use va_clock_ms().
 */
#ifndef VA_TRACK_H
#define VA_TRACK_H

#include <stdint.h>

#include "breaker.h"
#include "carrier.h"
#include "shipment.h"
#include "store.h"

#define VA_NCARRIERS 5		/* indexed by enum va_carrier */

struct va_track_conf {
	struct va_carrier_conf carrier[VA_NCARRIERS];
	int	enabled[VA_NCARRIERS];	/* configured with credentials */
	double	rate[VA_NCARRIERS];	/* requests per second; 0: none */
	double	burst[VA_NCARRIERS];
	long	timeout_ms;		/* per request */
	long	connect_timeout_ms;
	int	max_tries;		/* per lookup */
	long	budget_ms;		/* per lookup, retries included */
	long	backoff_base_ms;
	long	backoff_max_ms;
	int64_t	ttl_ms;			/* fresh for */
	int64_t	stale_ms;		/* served stale for */
	long	max_conns;		/* per host; 0: no limit */
	struct va_breaker_conf breaker;	/* per carrier; zero: defaults */
};

enum va_track_status { VA_TRACK_OK, VA_TRACK_NOT_FOUND, VA_TRACK_INVALID,
	VA_TRACK_UNAVAILABLE };

struct va_track_answer {
	enum va_track_status status;
	struct va_shipment ship;	/* when status is OK */
	const char *number;		/* normalised, or as given */
	const char *carrier;		/* "ups", ... or NULL */
	int	cached;			/* from memory or the store */
	int	stale;			/* older than ttl_ms */
	const char *why;		/* when unavailable: "auth",
					   "rate_limited", "timeout",
					   "server", "unreachable",
					   "malformed", "unconfigured",
					   "breaker_open" */
	int	queued;			/* a refresh job is in the outbox */
	int	ambiguous;		/* several carriers fit the number */
	long	backend_ms;		/* spent in the carrier's requests */
};

typedef void (*va_track_cb)(void *arg, const struct va_track_answer *);

#define VA_TRACK_ORIGIN	1	/* skip the caches (a refresh) */

/* A tracker over an open store; NULL on failure (logged). */
struct va_tracker *va_track_new(struct va_store *,
	    const struct va_track_conf *);
/* Free; lookups still pending are dropped without their callbacks. */
void	va_track_free(struct va_tracker *);

/*
 * Look number up; carrier ("ups", ...; NULL or "" to detect) narrows it.
 * cb runs exactly once, possibly before this returns. 0, or -1 when out of
 * memory (no callback).
 */
int	va_track_lookup(struct va_tracker *, const char *number,
	    const char *carrier, int flags, va_track_cb cb, void *arg);

/* Move lookups on; as va_fetch_wait() (fd readable: 1). */
int	va_track_run(struct va_tracker *, int fd, long timeout_ms);
/*
 * Batching for many lookups at once: with on set, the store writes of
 * answers that complete together (cache entries, tokens, outbox jobs, and
 * the caller's own after va_track_txn()) go in one transaction, begun at
 * the first write and committed by va_track_commit() and before
 * va_track_run() waits, so the write lock is never held while waiting.
 */
void	va_track_batch(struct va_tracker *, int on);
/* Begin the batch's transaction if none is open (no-op when off). */
void	va_track_txn(struct va_tracker *);
/* Commit the batch's transaction, if one is open. */
void	va_track_commit(struct va_tracker *);

/* Lookups and background refreshes not finished yet. */
int	va_track_pending(const struct va_tracker *);
/* Lookups waiting for an answer (refreshes not counted). */
int	va_track_waiting(const struct va_tracker *);

/*
 * Work off due refresh jobs of the outbox, at most max (0: all due):
 * each is looked up at the carrier and cached; *done and *failed count
 * them. 0, or -1 on a store error.
 */
int	va_track_drain(struct va_tracker *, long max, long *done,
	    long *failed);

/* "ok", "not_found", "invalid", "unavailable". */
const char *va_track_status_name(enum va_track_status);

#endif
