/*
 * crm.c - delivering tickets exactly once: dispatch to the adapters,
 * bookkeeping of what was sent, and the helpers they share (see crm.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crm.h"
#include "killpoint.h"
#include "log.h"

const char *const va_crm_backends[] = { "local", "zendesk", "salesforce",
	"hubspot", "servicenow", NULL };

static const struct va_migration migrations[] = {
	{ 1,
	  "CREATE TABLE ticket_sent ("
	  " key TEXT PRIMARY KEY, backend TEXT NOT NULL, id TEXT,"
	  " number TEXT, url TEXT, at INTEGER NOT NULL);" },
};

int
va_crm_known(const char *name)
{
	int i;

	for (i = 0; name != NULL && va_crm_backends[i] != NULL; i++)
		if (strcmp(name, va_crm_backends[i]) == 0)
			return 1;
	return 0;
}

int
va_crm_init(struct va_crm *crm)
{
	if (va_store_migrate(crm->store, "ticket_sent", migrations,
	    sizeof(migrations) / sizeof(migrations[0])) != 0)
		return -1;
	if (strcmp(crm->backend, "local") == 0)
		return va_crm_local_init(crm->store);
	return 0;
}

void
va_crm_cleanup(struct va_crm *crm)
{
	free(crm->bearer);
	free(crm->instance);
	crm->bearer = crm->instance = NULL;
}

const char *
va_crm_rc_name(enum va_crm_rc rc)
{
	switch (rc) {
	case VA_CRM_OK:
		return "ok";
	case VA_CRM_RETRY:
		return "retry";
	case VA_CRM_AUTH:
		return "auth";
	case VA_CRM_INVALID:
		return "invalid";
	default:
		return "store";
	}
}

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

int
va_crm_sent(struct va_crm *crm, const char *key, struct va_crm_ref *ref)
{
	struct va_stmt *s;
	int rc;

	s = va_store_prepare(crm->store,
	    "SELECT id, number, url FROM ticket_sent WHERE key = ?");
	if (s == NULL || va_stmt_bind_text(s, 1, key) != 0) {
		va_stmt_finalize(s);
		return -1;
	}
	if ((rc = va_stmt_step(s)) == 1) {
		copy(ref->id, sizeof(ref->id), va_stmt_text(s, 0));
		copy(ref->number, sizeof(ref->number), va_stmt_text(s, 1));
		copy(ref->url, sizeof(ref->url), va_stmt_text(s, 2));
	}
	va_stmt_finalize(s);
	return rc;
}

static int
record_sent(struct va_crm *crm, const char *key, const struct va_crm_ref *ref)
{
	struct va_stmt *s;
	int rc = -1;

	s = va_store_prepare(crm->store,
	    "INSERT OR IGNORE INTO ticket_sent (key, backend, id, number,"
	    " url, at) VALUES (?, ?, ?, ?, ?, ?)");
	if (s != NULL && va_stmt_bind_text(s, 1, key) == 0 &&
	    va_stmt_bind_text(s, 2, crm->backend) == 0 &&
	    va_stmt_bind_text(s, 3, ref->id) == 0 &&
	    va_stmt_bind_text(s, 4, ref->number) == 0 &&
	    va_stmt_bind_text(s, 5, ref->url) == 0 &&
	    va_stmt_bind_int(s, 6, va_clock_ms()) == 0 &&
	    va_stmt_step(s) == 0)
		rc = 0;
	va_stmt_finalize(s);
	return rc;
}

enum va_crm_rc
va_crm_deliver(struct va_crm *crm, const struct va_ticket *t,
    struct va_crm_ref *ref)
{
	enum va_crm_rc rc;
	int r;

	memset(ref, 0, sizeof(*ref));
	crm->err[0] = '\0';
	if ((r = va_crm_sent(crm, t->key, ref)) == 1)
		return VA_CRM_OK;
	if (r < 0) {
		copy(crm->err, sizeof(crm->err), "store error");
		return VA_CRM_STORE;
	}
	if (strcmp(crm->backend, "local") == 0)
		rc = va_crm_local_create(crm, t, ref);
	else if (strcmp(crm->backend, "zendesk") == 0)
		rc = va_crm_zendesk_create(crm, t, ref);
	else if (strcmp(crm->backend, "salesforce") == 0)
		rc = va_crm_salesforce_create(crm, t, ref);
	else if (strcmp(crm->backend, "hubspot") == 0)
		rc = va_crm_hubspot_create(crm, t, ref);
	else if (strcmp(crm->backend, "servicenow") == 0)
		rc = va_crm_servicenow_create(crm, t, ref);
	else {
		snprintf(crm->err, sizeof(crm->err), "unknown backend %s",
		    crm->backend);
		return VA_CRM_INVALID;
	}
	if (rc != VA_CRM_OK)
		return rc;
	va_killpoint("sent");
	if (record_sent(crm, t->key, ref) != 0) {
		/* Delivered all the same; the next try finds it by key. */
		copy(crm->err, sizeof(crm->err), "store error");
		return VA_CRM_STORE;
	}
	return VA_CRM_OK;
}

int
va_crm_http(struct va_crm *crm, const char *method, const char *url,
    const char *const *headers, const char *body, const char *userpwd,
    struct va_http_resp *resp)
{
	return va_http_simple(crm->http, method, url, headers, body, userpwd,
	    crm->timeout_ms, crm->tries, crm->budget_ms, resp);
}

enum va_crm_rc
va_crm_fail(struct va_crm *crm, const struct va_http_resp *resp,
    const char *what)
{
	va_http_describe(resp, what, crm->err, sizeof(crm->err));
	switch (resp->outcome) {
	case VA_HTTP_AUTH:
		/* Salesforce says 403 when the org's daily limit is spent. */
		if (resp->body != NULL &&
		    strstr(resp->body, "REQUEST_LIMIT_EXCEEDED") != NULL)
			return VA_CRM_RETRY;
		return VA_CRM_AUTH;
	case VA_HTTP_NOT_FOUND:
	case VA_HTTP_CLIENT:
		return VA_CRM_INVALID;
	default:
		return VA_CRM_RETRY;
	}
}

json_t *
va_crm_json(struct va_crm *crm, const struct va_http_resp *resp,
    const char *what)
{
	json_t *j;

	if (resp->body == NULL ||
	    (j = json_loadb(resp->body, resp->body_len, 0, NULL)) == NULL) {
		snprintf(crm->err, sizeof(crm->err),
		    "%s: malformed answer (HTTP %ld)", what, resp->status);
		return NULL;
	}
	return j;
}

int
va_crm_copy(char *buf, size_t len, const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v) && *json_string_value(v) != '\0')
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else
		return -1;
	return 0;
}

int
va_crm_notify(struct va_crm *crm, const char *webhook,
    const struct va_ticket *t, const struct va_crm_ref *ref)
{
	static const char *const hdrs[] = {
		"Content-Type: application/json", NULL };
	struct va_http_req req = { 0 };
	struct va_http_resp resp = { 0 };
	char *subject, *body, line[1024];
	json_t *msg;
	int rc = -1;

	subject = va_ticket_subject(t);
	snprintf(line, sizeof(line), "Call handed off: %s. Ticket %s%s%s",
	    subject != NULL ? subject : "", ref->number,
	    *ref->url != '\0' ? " " : "", ref->url);
	free(subject);
	msg = json_pack("{ss}", "text", line);
	body = msg != NULL ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (body == NULL)
		return -1;
	req.url = webhook;
	req.headers = hdrs;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = 3000;
	req.connect_timeout_ms = 2000;
	req.max_tries = 1;
	req.total_budget_ms = 3000;
	if (va_http_do(crm->http, &req, &resp) == 0 &&
	    resp.outcome == VA_HTTP_OK)
		rc = 0;
	else
		va_log(VA_WARN, "notify_failed",
		    "handoff notification for %s not sent: %s", t->key,
		    resp.status != 0 ? va_http_outcome_name(resp.outcome) :
		    resp.error);
	va_http_resp_free(&resp);
	free(body);
	return rc;
}
