/*
 * callstate.c - results and expectations shared through the store
 * (see callstate.h).
 */
#include <stdlib.h>
#include <string.h>

#include "callstate.h"
#include "clock.h"
#include "log.h"
#include "out.h"

static const struct va_migration migrations[] = {
	{ 1,
	  "CREATE TABLE callstate_results ("
	  " call TEXT NOT NULL, key TEXT NOT NULL, tool TEXT, op TEXT,"
	  " ok INTEGER NOT NULL, status TEXT, data TEXT, say TEXT,"
	  " at INTEGER NOT NULL, PRIMARY KEY (call, key));"
	  "CREATE TABLE callstate_turns ("
	  " call TEXT NOT NULL, turn INTEGER NOT NULL, expect TEXT,"
	  " at INTEGER NOT NULL, PRIMARY KEY (call, turn));" },
};

int
va_callstate_init(struct va_store *st)
{
	return va_store_migrate(st, "callstate", migrations,
	    sizeof(migrations) / sizeof(migrations[0]));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
va_callstate_put_result(struct va_store *st, const char *call,
    const char *key, const struct va_result_rec *r)
{
	struct va_stmt *s;
	int rc;

	s = va_store_prepare(st, "INSERT OR REPLACE INTO callstate_results"
	    " (call, key, tool, op, ok, status, data, say, at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (s == NULL)
		return -1;
	va_stmt_bind_text(s, 1, call);
	va_stmt_bind_text(s, 2, key);
	va_stmt_bind_text(s, 3, r->tool);
	va_stmt_bind_text(s, 4, r->op);
	va_stmt_bind_int(s, 5, r->ok);
	va_stmt_bind_text(s, 6, r->status);
	va_stmt_bind_text(s, 7, r->data);
	va_stmt_bind_text(s, 8, r->say);
	va_stmt_bind_int(s, 9, va_clock_ms());
	rc = va_stmt_step(s) < 0 ? -1 : 0;
	va_stmt_finalize(s);
	return rc;
}

int
va_callstate_get_result(struct va_store *st, const char *call,
    const char *key, struct va_result_rec *r)
{
	struct va_stmt *s;
	int rc;

	memset(r, 0, sizeof(*r));
	s = va_store_prepare(st, "SELECT tool, op, ok, status, data, say, at"
	    " FROM callstate_results WHERE call = ? AND key = ?");
	if (s == NULL)
		return -1;
	va_stmt_bind_text(s, 1, call);
	va_stmt_bind_text(s, 2, key);
	if ((rc = va_stmt_step(s)) == 1) {
		r->tool = dup_or_null(va_stmt_text(s, 0));
		r->op = dup_or_null(va_stmt_text(s, 1));
		r->ok = (int)va_stmt_int(s, 2);
		r->status = dup_or_null(va_stmt_text(s, 3));
		r->data = dup_or_null(va_stmt_text(s, 4));
		r->say = dup_or_null(va_stmt_text(s, 5));
		r->at = va_stmt_int(s, 6);
	}
	va_stmt_finalize(s);
	return rc;
}

void
va_result_rec_free(struct va_result_rec *r)
{
	free(r->tool);
	free(r->op);
	free(r->status);
	free(r->data);
	free(r->say);
	memset(r, 0, sizeof(*r));
}

int
va_callstate_set_expect(struct va_store *st, const char *call, int64_t turn,
    const char *expect)
{
	struct va_stmt *s;
	int rc;

	s = va_store_prepare(st, "INSERT OR REPLACE INTO callstate_turns"
	    " (call, turn, expect, at) VALUES (?, ?, ?, ?)");
	if (s == NULL)
		return -1;
	va_stmt_bind_text(s, 1, call);
	va_stmt_bind_int(s, 2, turn);
	va_stmt_bind_text(s, 3, expect);
	va_stmt_bind_int(s, 4, va_clock_ms());
	rc = va_stmt_step(s) < 0 ? -1 : 0;
	va_stmt_finalize(s);
	return rc;
}

int
va_callstate_get_expect(struct va_store *st, const char *call, int64_t turn,
    char **expect, int wait_ms)
{
	struct va_stmt *s;
	int rc, waited = 0;

	*expect = NULL;
	if (turn <= 1)
		return 1;
	s = va_store_prepare(st, "SELECT expect FROM callstate_turns"
	    " WHERE call = ? AND turn = ?");
	if (s == NULL)
		return -1;
	for (;;) {
		va_stmt_bind_text(s, 1, call);
		va_stmt_bind_int(s, 2, turn - 1);
		rc = va_stmt_step(s);
		if (rc == 1)
			*expect = dup_or_null(va_stmt_text(s, 0));
		va_stmt_reset(s);
		/* Poll: a decision is a few milliseconds away at most. */
		if (rc != 0 || waited >= wait_ms)
			break;
		/*
		 * The decision depends on what this stage wrote for the turn
		 * before: send it on before waiting, or both wait for nothing.
		 */
		if (waited == 0)
			va_out_flush();
		va_sleep_ms(5);
		waited += 5;
	}
	va_stmt_finalize(s);
	return rc;
}
