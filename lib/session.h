/*
 * session.h - per-call dialogue sessions in the shared store.
 *
 * A session is everything va-route knows about one call: where the
 * dialogue stands (flow state and what the last question awaits), the
 * slots collected, the counters the escalation rules watch (low-confidence
 * run, reprompts, repeated intent, negative wording, backend failures),
 * the actions still waiting for a result, consent, timestamps and, once
 * the call is over, its outcome. It is read from the store at every event
 * of the call and written back before the next, so a pipeline restarted in
 * the middle of a call resumes where it was. The transcript (caller turns
 * as redacted by va-intent, assistant replies) and the intent history are
 * rows of session_turns.
 *
 * Tables (component "session"):
 *   session_calls(call, started_at, updated_at, ended_at, t_start_ms,
 *     t_last_ms, turns, state, await, reprompts, low_run, repeat_run,
 *     negative, person_asks, down, resolved, consent, last_intent,
 *     last_reply, last_expect, slots, pending, keys, outcome, reason,
 *     duration_ms)
 *   session_turns(call, seq, who, text, intent, confidence_milli, t_ms, at)
 *
 * Functions return -1 on a store error (logged by the store).
 * Ownership: a loaded session owns its json_t members and strings; free
 * it with va_session_free(). JSON returned by the query functions is new.
 */
#ifndef VA_SESSION_H
#define VA_SESSION_H

#include <stdint.h>

#include <jansson.h>

#include "store.h"

struct va_session {
	char	call[256];
	int	found;		/* loaded from the store */
	int64_t	started_at, updated_at, ended_at;	/* wall, epoch ms */
	int64_t	t_start_ms, t_last_ms;			/* media time */
	int64_t	turns;		/* caller turns */
	char	state[64];	/* flow state */
	char	await[96];	/* what the last question waits for, or "" */
	int	reprompts;	/* reprompts of the current question */
	int	low_run;	/* consecutive low-confidence turns */
	int	repeat_run;	/* consecutive turns with the same intent */
	int	negative;	/* turns with negative wording */
	int	person_asks;	/* times the caller asked for a person */
	int	down;		/* results that came back unavailable */
	int	resolved;	/* something was done for the caller */
	char	consent[32];	/* "", "disclosed", "continued" */
	char	last_intent[64];
	char	*last_reply;	/* for "repeat" */
	char	last_expect[32];
	json_t	*slots;		/* {"name": {"value": v, "confirmed": b, ...}} */
	json_t	*pending;	/* [{"key", "purpose", "slots": [...]}] */
	json_t	*keys;		/* {"purpose": [params, ...]} */
	char	outcome[32];	/* "", "contained", "transferred" */
	char	reason[64];
	int64_t	duration_ms;
};

/* Create or migrate the tables; 0 or -1. */
int	va_session_init(struct va_store *);

/*
 * Load call's session into s: 1 when found, 0 when new (s is blank with
 * call set, empty slots), -1 on error.
 */
int	va_session_load(struct va_store *, const char *call,
	    struct va_session *s);
/* Forget call's session and transcript (a finished call id reused); 0 or -1. */
int	va_session_reset(struct va_store *, const char *call);
/* Write s back (insert or update); 0 or -1. */
int	va_session_save(struct va_store *, struct va_session *s);
void	va_session_free(struct va_session *);

/*
 * Append a transcript row: who is "caller" or "assistant"; intent (may be
 * NULL) and confidence (0..1, or < 0 for none) for caller turns. 0 or -1.
 */
int	va_session_add_turn(struct va_store *, const char *call,
	    const char *who, const char *text, const char *intent,
	    double confidence, int64_t t_ms);
/* The transcript, [{"who","text","t_ms"}, ...] oldest first; NULL on error. */
json_t	*va_session_transcript(struct va_store *, const char *call);
/*
 * The caller's intents in order, ["order_status", ...], of the turns with
 * at least min_conf confidence; NULL on error.
 */
json_t	*va_session_intents(struct va_store *, const char *call,
	    double min_conf);
/*
 * Every session as an object (most recent first, at most limit; 0 for
 * all); NULL on error. With call set, only that one.
 */
json_t	*va_session_list(struct va_store *, const char *call, int limit);

#endif
