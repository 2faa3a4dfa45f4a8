/*
 * crm_servicenow.c - incidents through the ServiceNow Table API (see
 * crm.h). The Table API has no idempotency key: the incident carries the
 * ticket's key in correlation_id, is looked up by it first and created
 * only when absent. Auth: Basic user:token (an integration user), or
 * Bearer token when no user is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crm.h"

static enum va_crm_rc
request(struct va_crm *crm, const char *method, const char *path,
    const char *body, struct va_http_resp *resp)
{
	const char *hdrs[4];
	char url[2048], *cred;
	size_t n;
	int i = 0, tries, left;
	long wait;

	n = strlen(crm->token ? crm->token : "") +
	    strlen(crm->user ? crm->user : "") + 32;
	if ((cred = malloc(n)) == NULL)
		return VA_CRM_STORE;
	if (crm->user != NULL)
		snprintf(cred, n, "%s:%s", crm->user,
		    crm->token ? crm->token : "");
	else {
		snprintf(cred, n, "Authorization: Bearer %s",
		    crm->token ? crm->token : "");
		hdrs[i++] = cred;
	}
	hdrs[i++] = "Accept: application/json";
	if (body != NULL)
		hdrs[i++] = "Content-Type: application/json";
	hdrs[i] = NULL;
	snprintf(url, sizeof(url), "%s%s", crm->url, path);
	/*
	 * A create is not idempotent here: one try only. A lost answer is
	 * found by the lookup before the next delivery, not by a blind POST.
	 */
	tries = crm->tries;
	if (strcmp(method, "POST") != 0)
		va_crm_http(crm, method, url, hdrs, body,
		    crm->user != NULL ? cred : NULL, resp);
	else
		for (crm->tries = 1, left = tries; left > 0; left--) {
			va_crm_http(crm, method, url, hdrs, body,
			    crm->user != NULL ? cred : NULL, resp);
			/* A 429 was not acted on: safe to send again. */
			if (resp->status != 429 || left == 1)
				break;
			wait = va_http_retry_after_ms(va_http_header(resp,
			    "Retry-After"), va_clock_ms());
			va_http_resp_free(resp);
			memset(resp, 0, sizeof(*resp));
			va_sleep_ms(wait < 0 ? 200 : wait > 5000 ? 5000 : wait);
		}
	crm->tries = tries;
	explicit_bzero(cred, n);
	free(cred);
	return VA_CRM_OK;
}

static const char *
urgency(const char *p)
{
	if (strcmp(p, "low") == 0)
		return "3";
	if (strcmp(p, "normal") == 0)
		return "2";
	return "1";
}

/* The incident in ans->result, an object or the first of an array. */
static int
take(struct va_crm *crm, const json_t *ans, struct va_crm_ref *ref)
{
	json_t *r = json_object_get(ans, "result");

	if (json_is_array(r))
		r = json_array_get(r, 0);
	if (va_crm_copy(ref->id, sizeof(ref->id), r, "sys_id") != 0 ||
	    va_crm_copy(ref->number, sizeof(ref->number), r, "number") != 0)
		return -1;
	snprintf(ref->url, sizeof(ref->url),
	    "%.300s/nav_to.do?uri=incident.do?sys_id=%.100s", crm->url,
	    ref->id);
	return 0;
}

enum va_crm_rc
va_crm_servicenow_create(struct va_crm *crm, const struct va_ticket *t,
    struct va_crm_ref *ref)
{
	struct va_http_resp resp = { 0 };
	char path[1024], *q = NULL, *key, *text = NULL;
	char *subject = NULL, *desc = NULL;
	json_t *ans = NULL, *req = NULL;
	enum va_crm_rc rc;
	size_t n;

	n = strlen(t->key) + 32;
	if ((q = malloc(n)) == NULL)
		return VA_CRM_STORE;
	snprintf(q, n, "correlation_id=%s", t->key);
	if ((key = va_http_escape(q)) == NULL) {
		free(q);
		return VA_CRM_STORE;
	}
	snprintf(path, sizeof(path), "/api/now/table/incident?sysparm_query="
	    "%s&sysparm_limit=1&sysparm_fields=sys_id,number", key);
	if ((rc = request(crm, "GET", path, NULL, &resp)) != VA_CRM_OK)
		goto out;
	if (resp.outcome != VA_HTTP_OK) {
		rc = va_crm_fail(crm, &resp, "servicenow lookup");
		goto out;
	}
	if ((ans = va_crm_json(crm, &resp, "servicenow lookup")) == NULL ||
	    !json_is_array(json_object_get(ans, "result"))) {
		if (ans != NULL)
			snprintf(crm->err, sizeof(crm->err),
			    "servicenow lookup: no result array");
		rc = VA_CRM_RETRY;
		goto out;
	}
	if (json_array_size(json_object_get(ans, "result")) == 0) {
		json_decref(ans);
		ans = NULL;
		va_http_resp_free(&resp);
		subject = va_ticket_subject(t);
		desc = va_ticket_body(t);
		req = json_pack("{s:s?,s:s?,s:s,s:s,s:s,s:s}",
		    "short_description", subject, "description", desc,
		    "correlation_id", t->key, "urgency", urgency(t->priority),
		    "impact", "2", "contact_type", "phone");
		if (req == NULL || (text = json_dumps(req, JSON_COMPACT)) ==
		    NULL) {
			rc = VA_CRM_STORE;
			goto out;
		}
		if ((rc = request(crm, "POST", "/api/now/table/incident", text,
		    &resp)) != VA_CRM_OK)
			goto out;
		if (resp.outcome != VA_HTTP_OK) {
			rc = va_crm_fail(crm, &resp, "servicenow create");
			goto out;
		}
		if ((ans = va_crm_json(crm, &resp, "servicenow create")) ==
		    NULL) {
			rc = VA_CRM_RETRY;
			goto out;
		}
	}
	if (take(crm, ans, ref) != 0) {
		snprintf(crm->err, sizeof(crm->err),
		    "servicenow: no sys_id or number in the answer");
		rc = VA_CRM_RETRY;
		goto out;
	}
	rc = VA_CRM_OK;
out:
	va_http_resp_free(&resp);
	json_decref(ans);
	json_decref(req);
	free(text);
	free(subject);
	free(desc);
	free(key);
	free(q);
	return rc;
}
