/*
 * flow.h - dialogue flows from a JSON file (format in va-flow(5)).
 *
 * A flow is a set of named states. Each caller intent leads to a state
 * (the current state's "on" map first, then the flow's "intents" map, then
 * its "fallback"); a state collects its slots (from the turn, from an
 * earlier result or a lookup sent for it, or by asking; reading back and
 * confirming as told), asks for confirmation before an action that changes
 * something, emits its action or runs a built-in ("kb", "handoff",
 * "refund"), says its "say" template and moves to "next". va_flow_load()
 * checks the whole file up front: unknown members, wrong types and states
 * or templates that do not exist are errors, so a bad flow stops the
 * program before the first call rather than in the middle of one.
 *
 * Ownership: json_t values returned are borrowed from the flow and live
 * until va_flow_free(); so do the strings.
 */
#ifndef VA_FLOW_H
#define VA_FLOW_H

#include <jansson.h>

struct va_flow;

/*
 * Load and check the flow at path. has_template (may be NULL) answers
 * whether a template id exists, so that every template the flow names is
 * checked too. NULL on error (logged: "flow_invalid").
 */
struct va_flow *va_flow_load(const char *path,
	    int (*has_template)(const char *id, void *arg), void *arg);
void	va_flow_free(struct va_flow *);

/* The state the dialogue rests in between requests ("start"). */
const char *va_flow_start(const struct va_flow *);
/* The template said when a call starts ("greeting"). */
const char *va_flow_greeting(const struct va_flow *);
/* A state's object, or NULL when there is no such state. */
const json_t *va_flow_state(const struct va_flow *, const char *name);
/*
 * Where intent leads from state: the state's "on" map, then the flow's
 * "intents" map, then its "fallback" (may be NULL).
 */
const char *va_flow_route(const struct va_flow *, const char *state,
	    const char *intent);
/* A string member of a state, or NULL. */
const char *va_flow_str(const json_t *state, const char *key);

#endif
