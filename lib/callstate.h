/*
 * callstate.h - what one stage of a call leaves in the store for another.
 *
 * The programs of a pipeline run in a line, so a stage never sees events
 * written after it. Two things must flow back all the same, and they go
 * through the shared sqlite store (VA_DB):
 *  - results: a backend tool (va-order, va-track, va-ticket, va-pay)
 *    records its answer to each action under the call and the action's
 *    idempotency key, so va-route knows at the next turn what happened;
 *  - expectations: after each caller turn va-route records what the next
 *    turn should hold ("order_number", "yesno", "email", ... or nothing),
 *    so va-asr can decode it with the matching grammar. Live, the reply
 *    always comes before the caller's answer; replaying a recording faster
 *    than real time, va-asr may wait for it (wait_ms).
 *
 * Tables (component "callstate"):
 *   callstate_results(call, key, tool, op, ok, status, data, say, at)
 *   callstate_turns(call, turn, expect, at)
 * Strings returned are new (free()). Functions return -1 on a store error
 * (logged by the store).
 */
#ifndef VA_CALLSTATE_H
#define VA_CALLSTATE_H

#include <stdint.h>

#include "store.h"

struct va_result_rec {
	char	*tool;
	char	*op;
	int	ok;
	char	*status;
	char	*data;		/* JSON text, or NULL */
	char	*say;
	int64_t	at;
};

/* Create or migrate the tables; 0 or -1. */
int	va_callstate_init(struct va_store *);

/* Record (or replace) the result for call and key; 0 or -1. */
int	va_callstate_put_result(struct va_store *, const char *call,
	    const char *key, const struct va_result_rec *);
/* 1 and *rec filled, 0 when none, -1 on error. */
int	va_callstate_get_result(struct va_store *, const char *call,
	    const char *key, struct va_result_rec *rec);
void	va_result_rec_free(struct va_result_rec *);

/* After caller turn `turn`, the next one should hold expect (NULL: no
 * expectation). 0 or -1. */
int	va_callstate_set_expect(struct va_store *, const char *call,
	    int64_t turn, const char *expect);
/*
 * What caller turn `turn` should hold, as decided after turn - 1. Waits up
 * to wait_ms for the decision to appear, flushing this program's output
 * first (the decision is made downstream of what it wrote). Returns 1 when decided (*expect
 * is a new string, or NULL for no expectation), 0 when not decided (yet),
 * -1 on error. Turn 1 is never waited for.
 */
int	va_callstate_get_expect(struct va_store *, const char *call,
	    int64_t turn, char **expect, int wait_ms);

#endif
