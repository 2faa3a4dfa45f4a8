/*
 * crm_salesforce.c - Cases in Salesforce (see crm.h). A token comes from
 * the OAuth 2.0 client-credentials flow (user is the client id, token the
 * client secret) and is fetched again once on a 401. Salesforce has no
 * idempotency key, so the Case carries the ticket's key in an external id
 * field (field, default VA_Key__c): the Case is looked up by it, created
 * with an upsert PATCH on it when absent (a replay updates, never
 * duplicates), and its CaseNumber read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

#define SF_VERSION	"v60.0"
#define SF_FIELD	"VA_Key__c"

static const char *
base(const struct va_crm *crm)
{
	return crm->instance != NULL ? crm->instance : crm->url;
}

static enum va_crm_rc
get_token(struct va_crm *crm)
{
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json", NULL };
	struct va_http_resp resp = { 0 };
	char url[1024], *id, *secret, *form = NULL;
	const char *tok, *inst;
	json_t *ans = NULL;
	enum va_crm_rc rc;
	size_t n;

	free(crm->bearer);
	free(crm->instance);
	crm->bearer = crm->instance = NULL;
	id = va_http_escape(crm->user ? crm->user : "");
	secret = va_http_escape(crm->token ? crm->token : "");
	if (id != NULL && secret != NULL) {
		n = strlen(id) + strlen(secret) + 80;
		if ((form = malloc(n)) != NULL)
			snprintf(form, n, "grant_type=client_credentials"
			    "&client_id=%s&client_secret=%s", id, secret);
	}
	if (form == NULL) {
		rc = VA_CRM_STORE;
		snprintf(crm->err, sizeof(crm->err), "out of memory");
		goto out;
	}
	snprintf(url, sizeof(url), "%s/services/oauth2/token", crm->url);
	if (va_crm_http(crm, "POST", url, hdrs, form, NULL, &resp) != 0 ||
	    resp.outcome != VA_HTTP_OK) {
		/* A rejected client is 400 invalid_client: credentials. */
		rc = va_crm_fail(crm, &resp, "salesforce token");
		if (resp.status == 400 || resp.status == 401)
			rc = VA_CRM_AUTH;
		goto out;
	}
	if ((ans = va_crm_json(crm, &resp, "salesforce token")) == NULL ||
	    (tok = json_string_value(json_object_get(ans, "access_token")))
	    == NULL) {
		if (ans != NULL)
			snprintf(crm->err, sizeof(crm->err),
			    "salesforce token: no access_token");
		rc = VA_CRM_RETRY;
		goto out;
	}
	crm->bearer = strdup(tok);
	inst = json_string_value(json_object_get(ans, "instance_url"));
	if (inst != NULL && *inst != '\0')
		crm->instance = strdup(inst);
	rc = crm->bearer != NULL ? VA_CRM_OK : VA_CRM_STORE;
out:
	if (form != NULL)
		explicit_bzero(form, strlen(form));
	if (secret != NULL)
		explicit_bzero(secret, strlen(secret));
	free(form);
	free(id);
	free(secret);
	json_decref(ans);
	va_http_resp_free(&resp);
	return rc;
}

/*
 * One authorised request; fetches a token first and once more after a 401.
 * Returns VA_CRM_OK with *resp holding any HTTP answer (the caller looks at
 * its outcome), or an error when no answer worth reading came.
 */
static enum va_crm_rc
call(struct va_crm *crm, const char *method, const char *path,
    const char *body, struct va_http_resp *resp)
{
	const char *hdrs[4];
	char url[2048], *auth;
	enum va_crm_rc rc;
	size_t n;
	int again;

	for (again = 0; again < 2; again++) {
		if (crm->bearer == NULL && (rc = get_token(crm)) != VA_CRM_OK)
			return rc;
		n = strlen(crm->bearer) + 32;
		if ((auth = malloc(n)) == NULL)
			return VA_CRM_STORE;
		snprintf(auth, n, "Authorization: Bearer %s", crm->bearer);
		hdrs[0] = auth;
		hdrs[1] = "Accept: application/json";
		hdrs[2] = body != NULL ? "Content-Type: application/json" :
		    NULL;
		hdrs[3] = NULL;
		snprintf(url, sizeof(url), "%s%s", base(crm), path);
		memset(resp, 0, sizeof(*resp));
		va_crm_http(crm, method, url, hdrs, body, NULL, resp);
		explicit_bzero(auth, n);
		free(auth);
		if (resp->status != 401 || again)
			return VA_CRM_OK;
		/* The session expired: a new token, once. */
		va_http_resp_free(resp);
		free(crm->bearer);
		crm->bearer = NULL;
	}
	return VA_CRM_OK;
}

static const char *
priority(const char *p)
{
	if (strcmp(p, "low") == 0)
		return "Low";
	if (strcmp(p, "normal") == 0)
		return "Medium";
	return "High";
}

enum va_crm_rc
va_crm_salesforce_create(struct va_crm *crm, const struct va_ticket *t,
    struct va_crm_ref *ref)
{
	struct va_http_resp resp = { 0 };
	const char *ver = crm->api_version ? crm->api_version : SF_VERSION;
	const char *field = crm->field ? crm->field : SF_FIELD;
	char path[1024], *key, *subject = NULL, *desc = NULL, *text = NULL;
	const char *p;
	json_t *ans = NULL, *req = NULL;
	enum va_crm_rc rc;

	if ((key = va_http_escape(t->key)) == NULL)
		return VA_CRM_STORE;
	/* Is the Case there already? */
	snprintf(path, sizeof(path),
	    "/services/data/%s/sobjects/Case/%s/%s?fields=Id,CaseNumber",
	    ver, field, key);
	if ((rc = call(crm, "GET", path, NULL, &resp)) != VA_CRM_OK)
		goto out;
	if (resp.outcome == VA_HTTP_NOT_FOUND) {
		va_http_resp_free(&resp);
		subject = va_ticket_subject(t);
		desc = va_ticket_body(t);
		req = json_pack("{s:s?,s:s?,s:s,s:s,s:s}", "Subject", subject,
		    "Description", desc, "Origin", "Phone",
		    "Priority", priority(t->priority), "Status", "New");
		if (req == NULL || (text = json_dumps(req, JSON_COMPACT)) ==
		    NULL) {
			rc = VA_CRM_STORE;
			goto out;
		}
		snprintf(path, sizeof(path),
		    "/services/data/%s/sobjects/Case/%s/%s", ver, field, key);
		if ((rc = call(crm, "PATCH", path, text, &resp)) != VA_CRM_OK)
			goto out;
		if (resp.outcome != VA_HTTP_OK) {
			rc = va_crm_fail(crm, &resp, "salesforce upsert");
			goto out;
		}
		va_http_resp_free(&resp);
		snprintf(path, sizeof(path),
		    "/services/data/%s/sobjects/Case/%s/%s?fields=Id,CaseNumber",
		    ver, field, key);
		if ((rc = call(crm, "GET", path, NULL, &resp)) != VA_CRM_OK)
			goto out;
	}
	if (resp.outcome != VA_HTTP_OK) {
		rc = va_crm_fail(crm, &resp, "salesforce case");
		/* Just created and not found: try again later. */
		if (rc == VA_CRM_INVALID && resp.outcome == VA_HTTP_NOT_FOUND)
			rc = VA_CRM_RETRY;
		goto out;
	}
	if ((ans = va_crm_json(crm, &resp, "salesforce case")) == NULL ||
	    va_crm_copy(ref->id, sizeof(ref->id), ans, "Id") != 0 ||
	    va_crm_copy(ref->number, sizeof(ref->number), ans, "CaseNumber")
	    != 0) {
		if (ans != NULL)
			snprintf(crm->err, sizeof(crm->err),
			    "salesforce case: no Id or CaseNumber");
		rc = VA_CRM_RETRY;
		goto out;
	}
	/* https://X.my.salesforce.com -> https://X.lightning.force.com */
	p = strstr(base(crm), ".my.salesforce.com");
	if (p != NULL)
		snprintf(ref->url, sizeof(ref->url),
		    "%.*s.lightning.force.com/lightning/r/Case/%.100s/view",
		    (int)(p - base(crm) < 300 ? p - base(crm) : 300),
		    base(crm), ref->id);
	else
		snprintf(ref->url, sizeof(ref->url),
		    "%.300s/lightning/r/Case/%.100s/view", base(crm), ref->id);
	rc = VA_CRM_OK;
out:
	va_http_resp_free(&resp);
	json_decref(ans);
	json_decref(req);
	free(text);
	free(subject);
	free(desc);
	free(key);
	return rc;
}
