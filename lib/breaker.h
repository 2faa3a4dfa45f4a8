/*
 * breaker.h - a circuit breaker per backend, shared through the store.
 *
 * After `threshold` consecutive failures (timeouts, 5xx, unreachable,
 * rate limits that outlived their retries) the breaker opens: callers fail
 * fast for `cooldown_ms` and give an honest answer ("our order system is
 * not answering right now") instead of making the caller wait on a dead
 * backend. After the cool-down one trial request is let through
 * (half-open): success closes the breaker, failure opens it again. State
 * lives in table breaker_state(name, failures, opened_at, state), so every
 * pipeline on the machine sees the same breaker; of several processes
 * asking after the cool-down exactly one gets the trial, and a trial that
 * never reports (its process died) is handed out again after another
 * cool-down. Success closes the breaker from any state and resets the
 * count. conf may be NULL for the defaults. Clock: va_clock_ms().
 */
#ifndef VA_BREAKER_H
#define VA_BREAKER_H

#include <stdint.h>

#include "store.h"

enum va_breaker_state { VA_BREAKER_CLOSED, VA_BREAKER_OPEN,
	VA_BREAKER_HALF_OPEN };

struct va_breaker_conf {
	int	threshold;	/* consecutive failures that open it; 0: 5 */
	int64_t	cooldown_ms;	/* 0: 30000 */
};

/* Create the table; 0 or -1. */
int	va_breaker_init(struct va_store *);
/*
 * May a request to backend `name` go out now? 1 yes (closed, or the one
 * trial of half-open, which this call claims), 0 no (open), -1 error.
 */
int	va_breaker_allow(struct va_store *, const char *name,
	    const struct va_breaker_conf *);
/* Report the outcome of a request that was allowed. 0 or -1. */
int	va_breaker_success(struct va_store *, const char *name);
int	va_breaker_failure(struct va_store *, const char *name,
	    const struct va_breaker_conf *);
/*
 * Current state (for --print-config, reports, tests); an open breaker past
 * its cool-down is reported half-open. -1 on error.
 */
int	va_breaker_state(struct va_store *, const char *name,
	    const struct va_breaker_conf *);
/*
 * The same, with the count of consecutive failures in *failures (0 for a
 * breaker never seen), for callers that remember a clean breaker for a
 * moment instead of reading it per request. -1 on error.
 */
int	va_breaker_peek(struct va_store *, const char *name,
	    const struct va_breaker_conf *, int *failures);

#endif
