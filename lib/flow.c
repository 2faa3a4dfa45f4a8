/*
 * flow.c - loading and checking dialogue flows (see flow.h, va-flow(5)).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "log.h"

struct va_flow {
	json_t	*root;
	json_t	*states;
	json_t	*intents;
	const char *start;
	const char *greeting;
	const char *fallback;
};

struct check {
	const char *path;
	const json_t *states;
	int	(*has)(const char *, void *);
	void	*arg;
	int	bad;
};

static const char *const top_keys[] = { "flow", "start", "greeting",
	"fallback", "intents", "states", "comment", NULL };
static const char *const state_keys[] = { "say", "expect", "slots",
	"confirm", "declined", "action", "do", "reason", "next", "final", "on",
	"comment", NULL };
static const char *const slot_keys[] = { "name", "entity", "ask", "reask",
	"expect", "confirm", "optional", "from_result", NULL };
static const char *const from_keys[] = { "purpose", "paths", "attrs",
	"lookup", NULL };
static const char *const lookup_keys[] = { "tool", "op", "params", "reply",
	NULL };
static const char *const action_keys[] = { "tool", "op", "purpose",
	"params", "reply", NULL };
static const char *const builtins[] = { "kb", "handoff", "refund", NULL };
static const char *const expects[] = { "order_number", "tracking_number",
	"yesno", "email", "phone", NULL };

static int
listed(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static void bad(struct check *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

static void
bad(struct check *c, const char *where, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	va_log(VA_ERROR, "flow_invalid", "%s: %s: %s", c->path, where, msg);
	c->bad++;
}

static void
keys(struct check *c, const char *where, json_t *o,
    const char *const *known)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
		if (!listed(known, k))
			bad(c, where, "unknown member \"%s\"", k);
}

/* member must be a string (when present, or always when need is set). */
static const char *
str(struct check *c, const char *where, const json_t *o, const char *key,
    int need)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL) {
		if (need)
			bad(c, where, "\"%s\" is missing", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		bad(c, where, "\"%s\" is not a string", key);
		return NULL;
	}
	return json_string_value(v);
}

static void
state_ref(struct check *c, const char *where, const char *name)
{
	if (name != NULL && json_object_get(c->states, name) == NULL)
		bad(c, where, "no state \"%s\"", name);
}

static void
template_ref(struct check *c, const char *where, const char *id)
{
	if (id != NULL && c->has != NULL && !c->has(id, c->arg))
		bad(c, where, "no template \"%s\"", id);
}

static void
expect_ref(struct check *c, const char *where, const char *e)
{
	if (e != NULL && !listed(expects, e))
		bad(c, where, "unknown expectation \"%s\"", e);
}

/* An action sent to get a from_result (its purpose is the result's). */
static void
check_lookup(struct check *c, const char *where, json_t *lk)
{
	json_t *v;

	if (!json_is_object(lk)) {
		bad(c, where, "%s", "\"lookup\" is not an object");
		return;
	}
	keys(c, where, lk, lookup_keys);
	str(c, where, lk, "tool", 1);
	str(c, where, lk, "op", 1);
	if ((v = json_object_get(lk, "params")) != NULL && !json_is_object(v))
		bad(c, where, "%s", "\"params\" is not an object");
	if ((v = json_object_get(lk, "reply")) != NULL && !json_is_boolean(v))
		bad(c, where, "%s", "\"reply\" is not true or false");
}

static void
check_slot(struct check *c, const char *where, json_t *slot)
{
	json_t *fr;

	if (!json_is_object(slot)) {
		bad(c, where, "%s", "a slot is not an object");
		return;
	}
	keys(c, where, slot, slot_keys);
	str(c, where, slot, "name", 1);
	str(c, where, slot, "entity", 1);
	template_ref(c, where, str(c, where, slot, "ask", 1));
	template_ref(c, where, str(c, where, slot, "reask", 0));
	template_ref(c, where, str(c, where, slot, "confirm", 0));
	expect_ref(c, where, str(c, where, slot, "expect", 0));
	if ((fr = json_object_get(slot, "from_result")) != NULL) {
		if (!json_is_object(fr) ||
		    !json_is_string(json_object_get(fr, "purpose")) ||
		    !json_is_array(json_object_get(fr, "paths")))
			bad(c, where, "%s", "\"from_result\" needs \"purpose\""
			    " and \"paths\"");
		else {
			keys(c, where, fr, from_keys);
			if (json_object_get(fr, "attrs") != NULL &&
			    !json_is_object(json_object_get(fr, "attrs")))
				bad(c, where, "%s", "\"attrs\" is not an object");
			if (json_object_get(fr, "lookup") != NULL)
				check_lookup(c, where, json_object_get(fr,
				    "lookup"));
		}
	}
}

static void
check_state(struct check *c, const char *name, json_t *st)
{
	char where[128];
	json_t *v, *a;
	const char *k, *d;
	size_t i;

	snprintf(where, sizeof(where), "state %s", name);
	if (!json_is_object(st)) {
		bad(c, where, "%s", "not an object");
		return;
	}
	keys(c, where, st, state_keys);
	template_ref(c, where, str(c, where, st, "say", 0));
	template_ref(c, where, str(c, where, st, "confirm", 0));
	template_ref(c, where, str(c, where, st, "declined", 0));
	expect_ref(c, where, str(c, where, st, "expect", 0));
	state_ref(c, where, str(c, where, st, "next", 0));
	str(c, where, st, "reason", 0);
	if ((d = str(c, where, st, "do", 0)) != NULL && !listed(builtins, d))
		bad(c, where, "unknown built-in \"%s\"", d);
	if ((v = json_object_get(st, "final")) != NULL && !json_is_boolean(v))
		bad(c, where, "%s", "\"final\" is not true or false");
	if ((v = json_object_get(st, "slots")) != NULL) {
		if (!json_is_array(v))
			bad(c, where, "%s", "\"slots\" is not an array");
		json_array_foreach(v, i, a)
			check_slot(c, where, a);
	}
	if ((v = json_object_get(st, "on")) != NULL) {
		if (!json_is_object(v))
			bad(c, where, "%s", "\"on\" is not an object");
		json_object_foreach(v, k, a)
			state_ref(c, where, json_string_value(a));
	}
	if ((a = json_object_get(st, "action")) != NULL) {
		if (!json_is_object(a)) {
			bad(c, where, "%s", "\"action\" is not an object");
			return;
		}
		keys(c, where, a, action_keys);
		str(c, where, a, "tool", 1);
		str(c, where, a, "op", 1);
		str(c, where, a, "purpose", 1);
		if ((v = json_object_get(a, "params")) != NULL &&
		    !json_is_object(v))
			bad(c, where, "%s", "\"params\" is not an object");
	}
}

struct va_flow *
va_flow_load(const char *path, int (*has)(const char *, void *), void *arg)
{
	struct va_flow *f;
	struct check c = { 0 };
	json_error_t jerr;
	const char *k;
	json_t *v;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if ((f->root = json_load_file(path, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		va_log(VA_ERROR, "flow_invalid", "%s:%d: %s", path, jerr.line,
		    jerr.text);
		goto fail;
	}
	c.path = path;
	c.has = has;
	c.arg = arg;
	if (!json_is_object(f->root)) {
		bad(&c, "top", "%s", "not an object");
		goto fail;
	}
	keys(&c, "top", f->root, top_keys);
	if (json_integer_value(json_object_get(f->root, "flow")) != 1)
		bad(&c, "top", "%s", "\"flow\" must be 1");
	f->states = json_object_get(f->root, "states");
	if (!json_is_object(f->states)) {
		bad(&c, "top", "%s", "\"states\" is not an object");
		goto fail;
	}
	c.states = f->states;
	f->start = str(&c, "top", f->root, "start", 1);
	f->greeting = str(&c, "top", f->root, "greeting", 1);
	f->fallback = str(&c, "top", f->root, "fallback", 0);
	state_ref(&c, "top", f->start);
	state_ref(&c, "top", f->fallback);
	template_ref(&c, "top", f->greeting);
	f->intents = json_object_get(f->root, "intents");
	if (!json_is_object(f->intents))
		bad(&c, "top", "%s", "\"intents\" is not an object");
	json_object_foreach(f->intents, k, v)
		state_ref(&c, "intents", json_string_value(v));
	json_object_foreach(f->states, k, v)
		check_state(&c, k, v);
	if (c.bad == 0)
		return f;
fail:
	va_flow_free(f);
	return NULL;
}

void
va_flow_free(struct va_flow *f)
{
	if (f == NULL)
		return;
	json_decref(f->root);
	free(f);
}

const char *
va_flow_start(const struct va_flow *f)
{
	return f->start;
}

const char *
va_flow_greeting(const struct va_flow *f)
{
	return f->greeting;
}

const json_t *
va_flow_state(const struct va_flow *f, const char *name)
{
	return name != NULL ? json_object_get(f->states, name) : NULL;
}

const char *
va_flow_route(const struct va_flow *f, const char *state, const char *intent)
{
	const json_t *st, *to;

	st = va_flow_state(f, state);
	if (intent != NULL) {
		to = json_object_get(json_object_get(st, "on"), intent);
		if (json_is_string(to))
			return json_string_value(to);
		to = json_object_get(f->intents, intent);
		if (json_is_string(to))
			return json_string_value(to);
	}
	return f->fallback;
}

const char *
va_flow_str(const json_t *state, const char *key)
{
	return json_string_value(json_object_get(state, key));
}
