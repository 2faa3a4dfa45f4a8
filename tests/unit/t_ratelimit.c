/*
 * t_ratelimit.c - unit tests for lib/ratelimit.c on a fake clock: steady
 * rate, bursts, queued reservations, vendor headers, 429s, recovery, and
 * a simulated vendor that must never answer 429 once the bucket listens.
 */
#include <stdint.h>
#include <stdlib.h>

#include "log.h"
#include "ratelimit.h"
#include "tap.h"

/* A vendor with a fixed window: limit requests per window_ms. */
struct vendor {
	long	limit;
	int64_t	window_ms;
	int64_t	start;		/* of the current window */
	long	used;
	int	n429;
};

/* Send at now: 1 accepted (fills remaining/reset), 0 a 429. */
static int
vendor_send(struct vendor *v, int64_t now, long *remaining, int64_t *reset)
{
	while (now >= v->start + v->window_ms) {
		v->start += v->window_ms;
		v->used = 0;
	}
	*reset = v->start + v->window_ms - now;
	if (v->used >= v->limit) {
		v->n429++;
		*remaining = 0;
		return 0;
	}
	v->used++;
	*remaining = v->limit - v->used;
	return 1;
}

static void
test_new(void)
{
	struct va_ratelimit *rl;

	ok(va_ratelimit_new(0, 1) == NULL, "rate 0 refused");
	ok(va_ratelimit_new(-1, 1) == NULL, "negative rate refused");
	ok(va_ratelimit_new(1, 0.5) == NULL, "burst below 1 refused");
	rl = va_ratelimit_new(0.5, 1);
	ok(rl != NULL, "a rate below one per second");
	is_int(va_ratelimit_acquire(rl, 0), 0, "first at once");
	is_int(va_ratelimit_acquire(rl, 0), 2000, "next after 2 s");
	va_ratelimit_free(rl);
	va_ratelimit_free(NULL);
}

static void
test_steady(void)
{
	struct va_ratelimit *rl;
	int64_t t = 1000000, w;
	int i, late = 0, sent = 0;

	rl = va_ratelimit_new(10, 1);
	is_int(va_ratelimit_acquire(rl, t), 0, "first request goes now");
	is_int(va_ratelimit_acquire(rl, t + 100), 0, "one interval later: now");
	is_int(va_ratelimit_acquire(rl, t + 150), 50, "half an interval: 50");
	/* A caller that always waits as told sends exactly at the rate. */
	t += 200;
	for (i = 0; i < 100; i++) {
		w = va_ratelimit_acquire(rl, t);
		if (i > 0 && w != 100)
			late++;
		t += w;
		sent++;
	}
	is_int(late, 0, "100 back-to-back requests spaced 100 ms apart");
	is_int(va_ratelimit_acquire(rl, t + 10000), 0,
	    "after a pause: at once");
	is_int(va_ratelimit_acquire(rl, t + 10000), 100,
	    "and a pause does not bank more than the burst");
	va_ratelimit_free(rl);
}

static void
test_burst(void)
{
	struct va_ratelimit *rl;
	int i, zero = 0;

	rl = va_ratelimit_new(5, 4);
	for (i = 0; i < 4; i++)
		zero += va_ratelimit_acquire(rl, 0) == 0;
	is_int(zero, 4, "a burst of 4 goes at once");
	is_int(va_ratelimit_acquire(rl, 0), 200, "the 5th waits one interval");
	is_int(va_ratelimit_acquire(rl, 1000), 0,
	    "after 1 s the bucket has refilled: at once");
	/* 1 s brought back 5 tokens: 4 after paying for the 5th above. */
	for (i = 0, zero = 0; i < 3; i++)
		zero += va_ratelimit_acquire(rl, 1000) == 0;
	is_int(zero, 3, "and the rest of the burst");
	is_int(va_ratelimit_acquire(rl, 1000), 200, "then the rate again");
	va_ratelimit_free(rl);
}

static void
test_queue(void)
{
	struct va_ratelimit *rl;
	int64_t w[6];
	int i, good = 1;

	rl = va_ratelimit_new(10, 2);
	/* Six requests at the same instant: they queue in order. */
	for (i = 0; i < 6; i++)
		w[i] = va_ratelimit_acquire(rl, 5000);
	is_int(w[0], 0, "queued 1: now");
	is_int(w[1], 0, "queued 2: now (burst 2)");
	for (i = 2; i < 6; i++)
		if (w[i] != (i - 1) * 100)
			good = 0;
	ok(good, "queued 3..6 wait 100, 200, 300, 400 ms");
	/* Half-way through the queue, a newcomer goes to its end. */
	is_int(va_ratelimit_acquire(rl, 5250), 250, "a newcomer queues last");
	va_ratelimit_free(rl);
}

static void
test_vendor_headers(void)
{
	struct va_ratelimit *rl;

	rl = va_ratelimit_new(10, 5);
	is_int(va_ratelimit_acquire(rl, 0), 0, "first");
	/* The vendor has 2 left in the next second: spread them. */
	va_ratelimit_note(rl, 0, 2, 1000);
	is_int(va_ratelimit_acquire(rl, 0), 0, "one of the 2 left goes now");
	is_int(va_ratelimit_acquire(rl, 0), 500,
	    "the other half-way to the reset, not at our rate");
	is_int(va_ratelimit_acquire(rl, 0), 1000,
	    "past the vendor window: at the reset");
	is_int(va_ratelimit_acquire(rl, 0), 1100,
	    "and after the reset at our rate again");
	va_ratelimit_free(rl);

	rl = va_ratelimit_new(10, 5);
	va_ratelimit_note(rl, 0, 100, 1000);
	is_int(va_ratelimit_acquire(rl, 0), 0, "plenty left: burst");
	is_int(va_ratelimit_acquire(rl, 0), 0, "still burst");
	va_ratelimit_note(rl, 0, 1, -1);
	is_int(va_ratelimit_acquire(rl, 0), 0,
	    "1 left, reset unknown: that one goes");
	is_int(va_ratelimit_acquire(rl, 0), 100,
	    "but no more burst than the vendor has left");
	va_ratelimit_note(rl, 0, -1, -1);
	is_int(va_ratelimit_acquire(rl, 0), 200, "unknown: no change");
	va_ratelimit_free(rl);

	rl = va_ratelimit_new(10, 5);
	va_ratelimit_note(rl, 10000, 0, 3000);
	is_int(va_ratelimit_acquire(rl, 10000), 3000,
	    "remaining 0: nothing before the reset");
	is_int(va_ratelimit_acquire(rl, 10000), 3100,
	    "the next one at our rate after it");
	is_int(va_ratelimit_acquire(rl, 12000), 1200,
	    "asking later changes nothing");
	va_ratelimit_free(rl);

	rl = va_ratelimit_new(10, 5);
	va_ratelimit_note(rl, 0, 0, -1);
	is_int(va_ratelimit_acquire(rl, 0), 1000,
	    "remaining 0, reset unknown: 1 s");
	va_ratelimit_free(rl);
}

static void
test_429(void)
{
	struct va_ratelimit *rl;
	int i, zero = 0;

	rl = va_ratelimit_new(10, 5);
	is_int(va_ratelimit_acquire(rl, 0), 0, "before the 429");
	va_ratelimit_note_429(rl, 0, 5000);
	is_int(va_ratelimit_acquire(rl, 100), 4900,
	    "after a 429 nothing for Retry-After");
	is_int(va_ratelimit_acquire(rl, 100), 5000,
	    "then one at a time at the rate");
	va_ratelimit_note_429(rl, 200, 1000);
	is_int(va_ratelimit_acquire(rl, 200), 5000,
	    "a shorter 429 does not cut the block short");
	va_ratelimit_note_429(rl, 6000, -1);
	is_int(va_ratelimit_acquire(rl, 6000), 1000,
	    "a 429 without Retry-After: 1 s");

	/* Recovery: a long quiet time refills the whole burst. */
	for (i = 0; i < 5; i++)
		zero += va_ratelimit_acquire(rl, 60000) == 0;
	is_int(zero, 5, "recovered: a full burst after a quiet minute");
	is_int(va_ratelimit_acquire(rl, 60000), 100, "then the rate");
	va_ratelimit_free(rl);
}

/*
 * Our limiter allows 20/s with bursts of 10, the vendor 5 per second.
 * Deaf (listen 0), the client hits 429s all the time; hearing only the
 * 429s (listen 1) it meets one a window; reading the headers too
 * (listen 2) it meets none, and still uses the vendor's whole allowance.
 */
static void
run_vendor(int listen, int *n429, long *sent)
{
	struct vendor v = { 5, 1000, 0, 0, 0 };
	struct va_ratelimit *rl;
	int64_t t = 0, reset;
	long remaining;

	rl = va_ratelimit_new(20, 10);
	*sent = 0;
	while (t < 60000) {
		t += va_ratelimit_acquire(rl, t);
		if (t >= 60000)
			break;
		if (vendor_send(&v, t, &remaining, &reset)) {
			(*sent)++;
			if (listen == 2)
				va_ratelimit_note(rl, t, remaining, reset);
		} else if (listen > 0)
			va_ratelimit_note_429(rl, t, reset);
	}
	*n429 = v.n429;
	va_ratelimit_free(rl);
}

static void
test_vendor_sim(void)
{
	long sent;
	int n429;

	run_vendor(0, &n429, &sent);
	ok(n429 > 100, "deaf to the vendor: %d 429s in a minute", n429);
	run_vendor(1, &n429, &sent);
	ok(n429 <= 60, "hearing only 429s: %d, at most one a window", n429);
	ok(sent >= 290, "and %ld of the vendor's 300 requests used", sent);
	run_vendor(2, &n429, &sent);
	is_int(n429, 0, "reading the headers: no 429 in a minute");
	ok(sent >= 290 && sent <= 300,
	    "and %ld of the vendor's 300 requests used", sent);
}

int
main(void)
{
	setenv("VA_LOG", "brief", 1);
	va_log_init("t_ratelimit");
	test_new();
	test_steady();
	test_burst();
	test_queue();
	test_vendor_headers();
	test_429();
	test_vendor_sim();
	return tap_done();
}
