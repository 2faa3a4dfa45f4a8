/*
 * session.c - per-call sessions and transcripts in the store
 * (see session.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "session.h"

static const struct va_migration migrations[] = {
	{ 1,
	  "CREATE TABLE session_calls ("
	  " call TEXT PRIMARY KEY, started_at INTEGER NOT NULL,"
	  " updated_at INTEGER NOT NULL, ended_at INTEGER,"
	  " t_start_ms INTEGER NOT NULL, t_last_ms INTEGER NOT NULL,"
	  " turns INTEGER NOT NULL, state TEXT NOT NULL, await TEXT NOT NULL,"
	  " reprompts INTEGER NOT NULL, low_run INTEGER NOT NULL,"
	  " repeat_run INTEGER NOT NULL, negative INTEGER NOT NULL,"
	  " person_asks INTEGER NOT NULL, down INTEGER NOT NULL,"
	  " resolved INTEGER NOT NULL, consent TEXT NOT NULL,"
	  " last_intent TEXT NOT NULL, last_reply TEXT,"
	  " last_expect TEXT NOT NULL, slots TEXT NOT NULL,"
	  " pending TEXT NOT NULL, keys TEXT NOT NULL, outcome TEXT,"
	  " reason TEXT, duration_ms INTEGER);"
	  "CREATE TABLE session_turns ("
	  " call TEXT NOT NULL, seq INTEGER NOT NULL, who TEXT NOT NULL,"
	  " text TEXT NOT NULL, intent TEXT, confidence_milli INTEGER,"
	  " t_ms INTEGER NOT NULL, at INTEGER NOT NULL,"
	  " PRIMARY KEY (call, seq));" },
};

#define COLUMNS "call, started_at, updated_at, ended_at, t_start_ms," \
	" t_last_ms, turns, state, await, reprompts, low_run, repeat_run," \
	" negative, person_asks, down, resolved, consent, last_intent," \
	" last_reply, last_expect, slots, pending, keys, outcome, reason," \
	" duration_ms"

int
va_session_init(struct va_store *st)
{
	return va_store_migrate(st, "session", migrations,
	    sizeof(migrations) / sizeof(migrations[0]));
}

static void
copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src != NULL ? src : "");
}

static json_t *
load_json(const char *text, int array)
{
	json_t *v = NULL;

	if (text != NULL)
		v = json_loads(text, 0, NULL);
	if (array ? !json_is_array(v) : !json_is_object(v)) {
		json_decref(v);
		v = array ? json_array() : json_object();
	}
	return v;
}

static void
blank(struct va_session *s, const char *call)
{
	memset(s, 0, sizeof(*s));
	copy(s->call, sizeof(s->call), call);
	s->slots = json_object();
	s->pending = json_array();
	s->keys = json_object();
}

static void
from_row(struct va_stmt *q, struct va_session *s)
{
	const char *t;

	s->found = 1;
	s->started_at = va_stmt_int(q, 1);
	s->updated_at = va_stmt_int(q, 2);
	s->ended_at = va_stmt_int(q, 3);
	s->t_start_ms = va_stmt_int(q, 4);
	s->t_last_ms = va_stmt_int(q, 5);
	s->turns = va_stmt_int(q, 6);
	copy(s->state, sizeof(s->state), va_stmt_text(q, 7));
	copy(s->await, sizeof(s->await), va_stmt_text(q, 8));
	s->reprompts = (int)va_stmt_int(q, 9);
	s->low_run = (int)va_stmt_int(q, 10);
	s->repeat_run = (int)va_stmt_int(q, 11);
	s->negative = (int)va_stmt_int(q, 12);
	s->person_asks = (int)va_stmt_int(q, 13);
	s->down = (int)va_stmt_int(q, 14);
	s->resolved = (int)va_stmt_int(q, 15);
	copy(s->consent, sizeof(s->consent), va_stmt_text(q, 16));
	copy(s->last_intent, sizeof(s->last_intent), va_stmt_text(q, 17));
	if ((t = va_stmt_text(q, 18)) != NULL)
		s->last_reply = strdup(t);
	copy(s->last_expect, sizeof(s->last_expect), va_stmt_text(q, 19));
	json_decref(s->slots);
	json_decref(s->pending);
	json_decref(s->keys);
	s->slots = load_json(va_stmt_text(q, 20), 0);
	s->pending = load_json(va_stmt_text(q, 21), 1);
	s->keys = load_json(va_stmt_text(q, 22), 0);
	copy(s->outcome, sizeof(s->outcome), va_stmt_text(q, 23));
	copy(s->reason, sizeof(s->reason), va_stmt_text(q, 24));
	s->duration_ms = va_stmt_int(q, 25);
}

int
va_session_load(struct va_store *st, const char *call, struct va_session *s)
{
	struct va_stmt *q;
	int rc;

	blank(s, call);
	if (s->slots == NULL || s->pending == NULL || s->keys == NULL)
		return -1;
	q = va_store_prepare(st, "SELECT " COLUMNS
	    " FROM session_calls WHERE call = ?");
	if (q == NULL)
		return -1;
	va_stmt_bind_text(q, 1, call);
	if ((rc = va_stmt_step(q)) == 1)
		from_row(q, s);
	va_stmt_finalize(q);
	return rc;
}

int
va_session_reset(struct va_store *st, const char *call)
{
	static const char *const sql[] = {
		"DELETE FROM session_calls WHERE call = ?",
		"DELETE FROM session_turns WHERE call = ?" };
	struct va_stmt *q;
	size_t i;

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((q = va_store_prepare(st, sql[i])) == NULL)
			return -1;
		va_stmt_bind_text(q, 1, call);
		if (va_stmt_step(q) < 0) {
			va_stmt_finalize(q);
			return -1;
		}
		va_stmt_finalize(q);
	}
	return 0;
}

static void
bind_json(struct va_stmt *q, int idx, const json_t *v)
{
	char *text;

	text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	va_stmt_bind_text(q, idx, text != NULL ? text : "null");
	free(text);
}

static void
bind_opt(struct va_stmt *q, int idx, const char *s)
{
	if (s != NULL && *s != '\0')
		va_stmt_bind_text(q, idx, s);
	else
		va_stmt_bind_null(q, idx);
}

int
va_session_save(struct va_store *st, struct va_session *s)
{
	struct va_stmt *q;
	int rc;

	s->updated_at = va_clock_ms();
	if (!s->found)
		s->started_at = s->updated_at;
	q = va_store_prepare(st, "INSERT OR REPLACE INTO session_calls"
	    " (" COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (q == NULL)
		return -1;
	va_stmt_bind_text(q, 1, s->call);
	va_stmt_bind_int(q, 2, s->started_at);
	va_stmt_bind_int(q, 3, s->updated_at);
	if (s->ended_at)
		va_stmt_bind_int(q, 4, s->ended_at);
	else
		va_stmt_bind_null(q, 4);
	va_stmt_bind_int(q, 5, s->t_start_ms);
	va_stmt_bind_int(q, 6, s->t_last_ms);
	va_stmt_bind_int(q, 7, s->turns);
	va_stmt_bind_text(q, 8, s->state);
	va_stmt_bind_text(q, 9, s->await);
	va_stmt_bind_int(q, 10, s->reprompts);
	va_stmt_bind_int(q, 11, s->low_run);
	va_stmt_bind_int(q, 12, s->repeat_run);
	va_stmt_bind_int(q, 13, s->negative);
	va_stmt_bind_int(q, 14, s->person_asks);
	va_stmt_bind_int(q, 15, s->down);
	va_stmt_bind_int(q, 16, s->resolved);
	va_stmt_bind_text(q, 17, s->consent);
	va_stmt_bind_text(q, 18, s->last_intent);
	va_stmt_bind_text(q, 19, s->last_reply);
	va_stmt_bind_text(q, 20, s->last_expect);
	bind_json(q, 21, s->slots);
	bind_json(q, 22, s->pending);
	bind_json(q, 23, s->keys);
	bind_opt(q, 24, s->outcome);
	bind_opt(q, 25, s->reason);
	if (s->outcome[0] != '\0')
		va_stmt_bind_int(q, 26, s->duration_ms);
	else
		va_stmt_bind_null(q, 26);
	rc = va_stmt_step(q) < 0 ? -1 : 0;
	va_stmt_finalize(q);
	if (rc == 0)
		s->found = 1;
	return rc;
}

void
va_session_free(struct va_session *s)
{
	json_decref(s->slots);
	json_decref(s->pending);
	json_decref(s->keys);
	free(s->last_reply);
	s->slots = s->pending = s->keys = NULL;
	s->last_reply = NULL;
}

int
va_session_add_turn(struct va_store *st, const char *call, const char *who,
    const char *text, const char *intent, double confidence, int64_t t_ms)
{
	struct va_stmt *q;
	int rc;

	q = va_store_prepare(st, "INSERT INTO session_turns"
	    " (call, seq, who, text, intent, confidence_milli, t_ms, at)"
	    " SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7"
	    " FROM session_turns WHERE call = ?1");
	if (q == NULL)
		return -1;
	va_stmt_bind_text(q, 1, call);
	va_stmt_bind_text(q, 2, who);
	va_stmt_bind_text(q, 3, text != NULL ? text : "");
	va_stmt_bind_text(q, 4, intent);
	if (confidence >= 0)
		va_stmt_bind_int(q, 5, (int64_t)(confidence * 1000 + 0.5));
	else
		va_stmt_bind_null(q, 5);
	va_stmt_bind_int(q, 6, t_ms);
	va_stmt_bind_int(q, 7, va_clock_ms());
	rc = va_stmt_step(q) < 0 ? -1 : 0;
	va_stmt_finalize(q);
	return rc;
}

json_t *
va_session_transcript(struct va_store *st, const char *call)
{
	struct va_stmt *q;
	json_t *a;
	int rc;

	q = va_store_prepare(st, "SELECT who, text, t_ms FROM session_turns"
	    " WHERE call = ? ORDER BY seq");
	if (q == NULL)
		return NULL;
	va_stmt_bind_text(q, 1, call);
	a = json_array();
	while ((rc = va_stmt_step(q)) == 1)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I}",
		    "who", va_stmt_text(q, 0), "text", va_stmt_text(q, 1),
		    "t_ms", (json_int_t)va_stmt_int(q, 2)));
	va_stmt_finalize(q);
	if (rc == -1) {
		json_decref(a);
		return NULL;
	}
	return a;
}

json_t *
va_session_intents(struct va_store *st, const char *call, double min_conf)
{
	struct va_stmt *q;
	json_t *a;
	int rc;

	q = va_store_prepare(st, "SELECT intent FROM session_turns"
	    " WHERE call = ? AND who = 'caller' AND intent IS NOT NULL"
	    " AND COALESCE(confidence_milli, 1000) >= ? ORDER BY seq");
	if (q == NULL)
		return NULL;
	va_stmt_bind_text(q, 1, call);
	va_stmt_bind_int(q, 2, (int64_t)(min_conf * 1000 + 0.5));
	a = json_array();
	while ((rc = va_stmt_step(q)) == 1)
		json_array_append_new(a, json_string(va_stmt_text(q, 0)));
	va_stmt_finalize(q);
	if (rc == -1) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *
to_json(const struct va_session *s)
{
	json_t *o;

	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:O, s:i, s:i,"
	    " s:i, s:i, s:i, s:b, s:s}",
	    "call", s->call,
	    "started_at", (json_int_t)s->started_at,
	    "updated_at", (json_int_t)s->updated_at,
	    "t_start_ms", (json_int_t)s->t_start_ms,
	    "turns", (json_int_t)s->turns,
	    "state", s->state,
	    "await", s->await,
	    "slots", s->slots,
	    "low_run", s->low_run,
	    "reprompts", s->reprompts,
	    "negative", s->negative,
	    "repeat_run", s->repeat_run,
	    "down", s->down,
	    "resolved", s->resolved,
	    "consent", s->consent);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "ended_at", s->ended_at ?
	    json_integer(s->ended_at) : json_null());
	json_object_set_new(o, "outcome", s->outcome[0] ?
	    json_string(s->outcome) : json_null());
	json_object_set_new(o, "reason", s->reason[0] ?
	    json_string(s->reason) : json_null());
	json_object_set_new(o, "duration_ms", s->outcome[0] ?
	    json_integer(s->duration_ms) : json_null());
	return o;
}

json_t *
va_session_list(struct va_store *st, const char *call, int limit)
{
	struct va_session s;
	struct va_stmt *q;
	json_t *a;
	int rc;

	q = va_store_prepare(st, call != NULL ?
	    "SELECT " COLUMNS " FROM session_calls WHERE call = ?" :
	    "SELECT " COLUMNS " FROM session_calls"
	    " ORDER BY updated_at DESC, call LIMIT ?");
	if (q == NULL)
		return NULL;
	if (call != NULL)
		va_stmt_bind_text(q, 1, call);
	else
		va_stmt_bind_int(q, 1, limit > 0 ? limit : -1);
	a = json_array();
	while ((rc = va_stmt_step(q)) == 1) {
		blank(&s, va_stmt_text(q, 0));
		from_row(q, &s);
		json_array_append_new(a, to_json(&s));
		va_session_free(&s);
	}
	va_stmt_finalize(q);
	if (rc == -1) {
		json_decref(a);
		return NULL;
	}
	return a;
}
