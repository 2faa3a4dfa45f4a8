/*
 * crm_local.c - the local ticket queue in the sqlite store, the default
 * backend: table tickets, one row per key, worked from a terminal with
 * va-ticket list and va-ticket show (see crm.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "crm.h"
#include "log.h"

static const struct va_migration migrations[] = {
	{ 1,
	  "CREATE TABLE tickets ("
	  " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " key TEXT NOT NULL UNIQUE, call TEXT, reason TEXT,"
	  " priority TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
	  " state TEXT NOT NULL DEFAULT 'open', created_at INTEGER NOT NULL);"
	  /* Numbers a caller hears start at 1001, not 1. */
	  "INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', 1000);" },
};

int
va_crm_local_init(struct va_store *st)
{
	return va_store_migrate(st, "ticket_local", migrations,
	    sizeof(migrations) / sizeof(migrations[0]));
}

enum va_crm_rc
va_crm_local_create(struct va_crm *crm, const struct va_ticket *t,
    struct va_crm_ref *ref)
{
	struct va_stmt *s = NULL;
	char *subject, *body;
	enum va_crm_rc rc = VA_CRM_STORE;

	subject = va_ticket_subject(t);
	body = va_ticket_body(t);
	if (subject == NULL || body == NULL)
		goto out;
	/* The key is unique: a second insert is ignored, the first row wins. */
	s = va_store_prepare(crm->store,
	    "INSERT OR IGNORE INTO tickets (key, call, reason, priority,"
	    " subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (s == NULL || va_stmt_bind_text(s, 1, t->key) != 0 ||
	    va_stmt_bind_text(s, 2, t->call) != 0 ||
	    va_stmt_bind_text(s, 3, t->reason) != 0 ||
	    va_stmt_bind_text(s, 4, t->priority) != 0 ||
	    va_stmt_bind_text(s, 5, subject) != 0 ||
	    va_stmt_bind_text(s, 6, body) != 0 ||
	    va_stmt_bind_int(s, 7, va_clock_ms()) != 0 ||
	    va_stmt_step(s) != 0)
		goto out;
	va_stmt_finalize(s);
	s = va_store_prepare(crm->store, "SELECT id FROM tickets WHERE key = ?");
	if (s == NULL || va_stmt_bind_text(s, 1, t->key) != 0 ||
	    va_stmt_step(s) != 1)
		goto out;
	snprintf(ref->id, sizeof(ref->id), "%" PRId64, va_stmt_int(s, 0));
	snprintf(ref->number, sizeof(ref->number), "%" PRId64,
	    va_stmt_int(s, 0));
	rc = VA_CRM_OK;
out:
	if (rc != VA_CRM_OK)
		snprintf(crm->err, sizeof(crm->err), "local store error");
	va_stmt_finalize(s);
	free(subject);
	free(body);
	return rc;
}

static void
iso_time(char *buf, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, len, "?");
}

long
va_crm_local_list(struct va_store *st, int all)
{
	struct va_stmt *s;
	char when[32];
	long n = 0;
	int rc;

	s = va_store_prepare(st, all ?
	    "SELECT id, created_at, priority, state, subject FROM tickets"
	    " ORDER BY id" :
	    "SELECT id, created_at, priority, state, subject FROM tickets"
	    " WHERE state = 'open' ORDER BY id");
	if (s == NULL)
		return -1;
	while ((rc = va_stmt_step(s)) == 1) {
		iso_time(when, sizeof(when), va_stmt_int(s, 1));
		printf("%" PRId64 "\t%s\t%s\t%s\t%s\n", va_stmt_int(s, 0), when,
		    va_stmt_text(s, 2), va_stmt_text(s, 3), va_stmt_text(s, 4));
		n++;
	}
	va_stmt_finalize(s);
	return rc < 0 ? -1 : n;
}

int
va_crm_local_show(struct va_store *st, int64_t id)
{
	struct va_stmt *s;
	char when[32];
	int rc;

	s = va_store_prepare(st,
	    "SELECT id, created_at, priority, state, subject, body, key"
	    " FROM tickets WHERE id = ?");
	if (s == NULL || va_stmt_bind_int(s, 1, id) != 0) {
		va_stmt_finalize(s);
		return -1;
	}
	if ((rc = va_stmt_step(s)) == 1) {
		iso_time(when, sizeof(when), va_stmt_int(s, 1));
		printf("Ticket %" PRId64 "\nCreated: %s UTC\nPriority: %s\n"
		    "State: %s\nKey: %s\nSubject: %s\n\n%s",
		    va_stmt_int(s, 0), when, va_stmt_text(s, 2),
		    va_stmt_text(s, 3), va_stmt_text(s, 6), va_stmt_text(s, 4),
		    va_stmt_text(s, 5));
	}
	va_stmt_finalize(s);
	return rc;
}
