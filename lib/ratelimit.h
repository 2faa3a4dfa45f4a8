/*
 * ratelimit.h - keeping within a vendor's request rate.
 *
 * A token bucket per backend (a store, a carrier account): `rate` requests
 * per second on average with bursts up to `burst`. Before each request the
 * caller asks va_ratelimit_acquire() how long to wait (it reserves the
 * token, so concurrent requests in one process queue in order); after each
 * response it reports what the vendor said with va_ratelimit_note(): the
 * requests left in the vendor's window and when the window resets (from
 * headers such as X-Shopify-Shop-Api-Call-Limit, X-Rate-Limit-Requests-Left
 * and X-Rate-Limit-Time-Reset-Ms, X-RateLimit-Remaining), or a 429 with its
 * Retry-After; the bucket then slows down to what the vendor allows, so no
 * 429 reaches the caller in steady state. In-process; several processes
 * each get their own share by configuring a lower rate.
 */
#ifndef VA_RATELIMIT_H
#define VA_RATELIMIT_H

#include <stdint.h>

struct va_ratelimit;

/* rate: requests per second (> 0); burst: bucket size (>= 1). */
struct va_ratelimit *va_ratelimit_new(double rate, double burst);
void	va_ratelimit_free(struct va_ratelimit *);

/*
 * Reserve one request at now_ms (va_mono_us() / 1000 in programs, a fake
 * clock in tests); returns the milliseconds to wait before sending it
 * (0: send now).
 */
int64_t	va_ratelimit_acquire(struct va_ratelimit *, int64_t now_ms);

/*
 * What the vendor said at now_ms: remaining requests in its window (-1:
 * unknown) and milliseconds until the window resets (-1: unknown). With
 * remaining 0 nothing is sent before the reset (1000 ms when unknown);
 * with fewer left than the rate would send before the reset, the rest are
 * spread over the time to it; never more than remaining go out at once.
 * After a block the first request goes alone and the rest follow at the
 * rate.
 */
void	va_ratelimit_note(struct va_ratelimit *, int64_t now_ms,
	    long remaining, int64_t reset_ms);
/* A 429: nothing is sent for retry_after_ms (or 1000 when unknown, < 0). */
void	va_ratelimit_note_429(struct va_ratelimit *, int64_t now_ms,
	    int64_t retry_after_ms);

#endif
