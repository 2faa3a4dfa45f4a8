/*
 * ticket.c - the ticket record and its rendering (see ticket.h).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "ticket.h"

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct va_strbuf *b, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		va_strbuf_addn(b, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

static const char *
member_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
bind(struct va_ticket *t)
{
	t->key = member_str(t->doc, "key");
	t->call = member_str(t->doc, "call");
	if (t->call == NULL)
		t->call = "";
	t->reason = member_str(t->doc, "reason");
	t->summary = member_str(t->doc, "summary");
	t->priority = member_str(t->doc, "priority");
}

static const char *
norm_priority(const char *p)
{
	static const char *const known[] = { "low", "normal", "high",
		"urgent", NULL };
	int i;

	if (p == NULL)
		return "normal";
	for (i = 0; known[i] != NULL; i++)
		if (strcasecmp(p, known[i]) == 0)
			return known[i];
	return "normal";
}

int
va_ticket_from_params(struct va_ticket *t, const char *call,
    const char *key, const json_t *params, char *why, size_t whylen)
{
	static const char *const strs[] = { "reason", "summary", NULL };
	static const char *const objs[] = { "slots", "customer", NULL };
	json_t *v;
	int i;

	memset(t, 0, sizeof(*t));
	if (key == NULL || *key == '\0') {
		snprintf(why, whylen, "the action has no key");
		return -1;
	}
	if (!json_is_object(params)) {
		snprintf(why, whylen, "params is not an object");
		return -1;
	}
	for (i = 0; strs[i] != NULL; i++) {
		v = json_object_get(params, strs[i]);
		if (v != NULL && !json_is_string(v) && !json_is_null(v)) {
			snprintf(why, whylen, "%s is not a string", strs[i]);
			return -1;
		}
	}
	for (i = 0; objs[i] != NULL; i++) {
		v = json_object_get(params, objs[i]);
		if (v != NULL && !json_is_object(v) && !json_is_null(v) &&
		    !(strcmp(objs[i], "customer") == 0 && json_is_string(v))) {
			snprintf(why, whylen, "%s is not an object", objs[i]);
			return -1;
		}
	}
	v = json_object_get(params, "tags");
	if (v != NULL && !json_is_array(v) && !json_is_null(v)) {
		snprintf(why, whylen, "tags is not an array");
		return -1;
	}
	v = json_object_get(params, "transcript");
	if (v != NULL && !json_is_array(v) && !json_is_null(v)) {
		snprintf(why, whylen, "transcript is not an array");
		return -1;
	}
	if (member_str(params, "reason") == NULL &&
	    member_str(params, "summary") == NULL) {
		snprintf(why, whylen, "neither reason nor summary is given");
		return -1;
	}
	if ((t->doc = json_deep_copy(params)) == NULL)
		goto oom;
	if (json_object_set_new(t->doc, "key", json_string(key)) != 0 ||
	    json_object_set_new(t->doc, "call", json_string(call ? call : ""))
	    != 0 ||
	    json_object_set_new(t->doc, "priority", json_string(norm_priority(
	    member_str(params, "priority")))) != 0)
		goto oom;
	bind(t);
	return 0;
oom:
	json_decref(t->doc);
	t->doc = NULL;
	snprintf(why, whylen, "out of memory");
	return -1;
}

int
va_ticket_from_payload(struct va_ticket *t, const char *text)
{
	memset(t, 0, sizeof(*t));
	if ((t->doc = json_loads(text, 0, NULL)) == NULL ||
	    !json_is_object(t->doc) || member_str(t->doc, "key") == NULL) {
		json_decref(t->doc);
		t->doc = NULL;
		return -1;
	}
	bind(t);
	t->priority = norm_priority(t->priority);
	return 0;
}

char *
va_ticket_payload(const struct va_ticket *t)
{
	return json_dumps(t->doc, JSON_COMPACT | JSON_SORT_KEYS);
}

void
va_ticket_free(struct va_ticket *t)
{
	if (t == NULL)
		return;
	json_decref(t->doc);
	memset(t, 0, sizeof(*t));
}

json_t *
va_ticket_get(const struct va_ticket *t, const char *name)
{
	json_t *v = json_object_get(t->doc, name);

	return json_is_null(v) ? NULL : v;
}

const char *
va_ticket_customer(const struct va_ticket *t, const char *field)
{
	json_t *c = va_ticket_get(t, "customer");

	if (json_is_string(c))
		return strcmp(field, "name") == 0 ? json_string_value(c) :
		    NULL;
	return member_str(c, field);
}

/* A scalar as text: strings as they are, numbers and booleans printed. */
static char *
scalar_text(const json_t *v)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return strdup(buf);
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%.2f", json_real_value(v));
		return strdup(buf);
	case JSON_TRUE:
		return strdup("yes");
	case JSON_FALSE:
		return strdup("no");
	default:
		return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
		    JSON_SORT_KEYS);
	}
}

char *
va_ticket_order(const struct va_ticket *t)
{
	json_t *o = va_ticket_get(t, "order");
	json_t *n;

	if (o == NULL)
		return NULL;
	if (json_is_object(o)) {
		if ((n = json_object_get(o, "number")) == NULL &&
		    (n = json_object_get(o, "name")) == NULL &&
		    (n = json_object_get(o, "id")) == NULL)
			return NULL;
		o = n;
	}
	if (!json_is_string(o) && !json_is_integer(o))
		return NULL;
	return scalar_text(o);
}

/* Copy s without control characters (a subject is one line). */
static void
sb_line(struct va_strbuf *b, const char *s, size_t max)
{
	size_t n = 0;

	for (; *s != '\0' && n < max; s++, n++)
		va_strbuf_addn(b, (unsigned char)*s < 0x20 ? " " : s, 1);
}

char *
va_ticket_subject(const struct va_ticket *t)
{
	struct va_strbuf b = { 0 };
	char *order = va_ticket_order(t);

	va_strbuf_add(&b, "Phone call");
	if (t->reason != NULL && *t->reason != '\0') {
		va_strbuf_add(&b, ": ");
		sb_line(&b, t->reason, 40);
	}
	if (order != NULL) {
		va_strbuf_add(&b, " (order ");
		sb_line(&b, order, 30);
		va_strbuf_add(&b, ")");
	}
	if (t->summary != NULL && *t->summary != '\0') {
		va_strbuf_add(&b, ": ");
		sb_line(&b, t->summary, 120 > b.len ? 120 - b.len : 0);
	}
	free(order);
	return va_strbuf_finish(&b);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
sb_kv_object(struct va_strbuf *b, const json_t *o)
{
	const char *k;
	json_t *v;
	char *s;
	const char **keys;
	size_t i, n = json_object_size(o), m = 0;

	/* Sorted, so a body renders the same every time. */
	if ((keys = calloc(n + 1, sizeof(*keys))) == NULL) {
		b->oom = 1;
		return;
	}
	json_object_foreach((json_t *)(uintptr_t)o, k, v)
		keys[m++] = k;
	qsort(keys, m, sizeof(*keys), cmp_str);
	for (i = 0; i < m; i++) {
		v = json_object_get(o, keys[i]);
		if (json_is_null(v))
			continue;
		s = scalar_text(v);
		sb_printf(b, "  %s: ", keys[i]);
		if (s != NULL)
			sb_line(b, s, 400);
		va_strbuf_add(b, "\n");
		free(s);
	}
	free(keys);
}

char *
va_ticket_body(const struct va_ticket *t)
{
	static const char *const cust[] = { "name", "email", "phone", NULL };
	struct va_strbuf b = { 0 };
	json_t *v, *line, *tags;
	const char *s, *who, *text;
	char *order;
	int64_t ms;
	size_t i;
	int j;

	if (t->summary != NULL && *t->summary != '\0') {
		va_strbuf_add(&b, t->summary);
		va_strbuf_add(&b, "\n\n");
	}
	if (t->reason != NULL)
		sb_printf(&b, "Reason: %s\n", t->reason);
	sb_printf(&b, "Priority: %s\n", t->priority);
	if (*t->call != '\0')
		sb_printf(&b, "Call: %s\n", t->call);
	sb_printf(&b, "Reference: %s\n", t->key);
	for (j = 0; cust[j] != NULL; j++)
		if ((s = va_ticket_customer(t, cust[j])) != NULL)
			sb_printf(&b, "Customer %s: %s\n", cust[j], s);
	if ((order = va_ticket_order(t)) != NULL) {
		sb_printf(&b, "Order: %s\n", order);
		free(order);
	}
	if ((tags = va_ticket_get(t, "tags")) != NULL &&
	    json_array_size(tags) > 0) {
		va_strbuf_add(&b, "Tags:");
		json_array_foreach(tags, i, v)
			if (json_is_string(v))
				sb_printf(&b, "%s %s", i > 0 ? "," : "",
				    json_string_value(v));
		va_strbuf_add(&b, "\n");
	}
	if ((v = va_ticket_get(t, "slots")) != NULL &&
	    json_object_size(v) > 0) {
		va_strbuf_add(&b, "\nWhat the caller told us:\n");
		sb_kv_object(&b, v);
	}
	if ((v = va_ticket_get(t, "transcript")) != NULL &&
	    json_array_size(v) > 0) {
		va_strbuf_add(&b, "\nTranscript (redacted):\n");
		json_array_foreach(v, i, line) {
			who = member_str(line, "who");
			text = member_str(line, "text");
			if (text == NULL)
				continue;
			ms = json_integer_value(json_object_get(line, "t_ms"));
			if (ms < 0)
				ms = 0;
			sb_printf(&b, "[%02" PRId64 ":%02" PRId64 "] %s: ",
			    ms / 60000, ms / 1000 % 60,
			    who != NULL ? who : "caller");
			sb_line(&b, text, 2000);
			va_strbuf_add(&b, "\n");
		}
	}
	return va_strbuf_finish(&b);
}

char *
va_ticket_spell(const char *number)
{
	struct va_strbuf b = { 0 };

	for (; *number != '\0'; number++) {
		if (!isalnum((unsigned char)*number))
			continue;
		if (b.len > 0)
			va_strbuf_add(&b, " ");
		va_strbuf_addn(&b, number, 1);
	}
	return va_strbuf_finish(&b);
}
