/*
 * ratelimit.c - a token bucket that queues reservations and slows down to
 * what the vendor reports (see ratelimit.h).
 *
 * The bucket holds `tokens` at instant `last` (ms). A reservation takes a
 * token even when there is none, so tokens go negative and each queued
 * request is told to wait until the bucket has refilled its share. Tokens
 * come back at `rate` per second, except until `slow_until`, where the
 * vendor asked for `slow_rate`. A block (remaining 0, a 429) moves `last`
 * to its end: nothing is sent before it, at most one token is banked
 * during it, so the first request after it goes alone and the rest follow
 * at the rate.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ratelimit.h"

#define RL_BLOCK_MS	1000	/* a block of unknown length */
#define RL_EPSILON	1e-6	/* float error that must not cost a ms */

struct va_ratelimit {
	double	rate;		/* tokens per ms */
	double	burst;
	double	tokens;		/* at `last`; negative: requests queued */
	double	last;		/* ms; in the future during a block */
	int	started;	/* last is meaningful */
	double	slow_rate;	/* tokens per ms before slow_until */
	double	slow_until;	/* ms; 0: no vendor window */
};

struct va_ratelimit *
va_ratelimit_new(double rate, double burst)
{
	struct va_ratelimit *rl;

	if (!(rate > 0) || !(burst >= 1)) {
		va_log(VA_ERROR, "ratelimit_error",
		    "rate must be > 0 and burst >= 1 (got %g and %g)",
		    rate, burst);
		return NULL;
	}
	if ((rl = calloc(1, sizeof(*rl))) == NULL) {
		va_log(VA_ERROR, "ratelimit_error", "%s", strerror(errno));
		return NULL;
	}
	rl->rate = rate / 1000;
	rl->burst = burst;
	rl->tokens = burst;
	return rl;
}

void
va_ratelimit_free(struct va_ratelimit *rl)
{
	free(rl);
}

/* Tokens that come back between from and to (from <= to). */
static double
refill_between(const struct va_ratelimit *rl, double from, double to)
{
	double got = 0, mid;

	if (from < rl->slow_until) {
		mid = to < rl->slow_until ? to : rl->slow_until;
		got += (mid - from) * rl->slow_rate;
		from = mid;
	}
	if (from < to)
		got += (to - from) * rl->rate;
	return got;
}

/* Milliseconds after `from` until `need` tokens have come back. */
static double
time_to_refill(const struct va_ratelimit *rl, double from, double need)
{
	double slow_ms, got;

	if (from < rl->slow_until) {
		slow_ms = rl->slow_until - from;
		got = slow_ms * rl->slow_rate;
		if (got >= need)
			return need / rl->slow_rate;
		return slow_ms + (need - got) / rl->rate;
	}
	return need / rl->rate;
}

/* Bring the bucket forward to now (not back: a block stays). */
static void
advance(struct va_ratelimit *rl, double now)
{
	if (!rl->started) {
		rl->last = now;
		rl->started = 1;
	}
	if (now > rl->last) {
		rl->tokens += refill_between(rl, rl->last, now);
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
		rl->last = now;
	}
	if (rl->slow_until != 0 && rl->last >= rl->slow_until)
		rl->slow_until = 0;
}

static int64_t
ceil_ms(double ms)
{
	if (ms <= RL_EPSILON)
		return 0;
	return (int64_t)ceil(ms - RL_EPSILON);
}

int64_t
va_ratelimit_acquire(struct va_ratelimit *rl, int64_t now_ms)
{
	double now = (double)now_ms, at;

	advance(rl, now);
	rl->tokens -= 1;
	at = rl->last;
	if (rl->tokens < 0)
		at += time_to_refill(rl, rl->last, -rl->tokens);
	return ceil_ms(at - now);
}

/* Send nothing before until, then one request, then at the rate. */
static void
block(struct va_ratelimit *rl, double now, double until)
{
	advance(rl, now);
	if (until <= rl->last)
		return;
	/*
	 * The bucket refills during the block but banks one token at most;
	 * requests already queued keep their turn after it.
	 */
	rl->tokens += refill_between(rl, rl->last, until);
	if (rl->tokens > 1)
		rl->tokens = 1;
	rl->last = until;
	if (rl->slow_until != 0 && rl->slow_until <= until)
		rl->slow_until = 0;
}

void
va_ratelimit_note(struct va_ratelimit *rl, int64_t now_ms, long remaining,
    int64_t reset_ms)
{
	double now = (double)now_ms, vrate, tokens;

	if (remaining < 0)
		return;
	if (remaining == 0) {
		block(rl, now, now + (reset_ms >= 0 ? reset_ms : RL_BLOCK_MS));
		return;
	}
	advance(rl, now);
	/* Never burst past what the window has left. */
	if (rl->tokens > remaining)
		rl->tokens = (double)remaining;
	if (reset_ms <= 0)
		return;
	/*
	 * Spread what is left evenly over the time to the reset, the last
	 * one before it: with a token in hand, one now and the others
	 * reset_ms / remaining apart; without, reset_ms / (remaining + 1)
	 * apart.
	 */
	if (rl->tokens > 1)
		tokens = 1;
	else
		tokens = rl->tokens;
	vrate = ((double)remaining + 1 - tokens) / (double)reset_ms;
	if (vrate < rl->rate) {
		rl->tokens = tokens;
		rl->slow_rate = vrate;
		rl->slow_until = now + (double)reset_ms;
		if (rl->slow_until <= rl->last)
			rl->slow_until = 0;
	} else if (rl->slow_until != 0 && rl->last <= now)
		rl->slow_until = 0;	/* the vendor has room again */
}

void
va_ratelimit_note_429(struct va_ratelimit *rl, int64_t now_ms,
    int64_t retry_after_ms)
{
	double now = (double)now_ms;

	block(rl, now, now + (retry_after_ms >= 0 ? retry_after_ms :
	    RL_BLOCK_MS));
}
