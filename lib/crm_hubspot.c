/*
 * crm_hubspot.c - tickets in HubSpot CRM v3 (see crm.h). HubSpot has no
 * idempotency key, so each ticket carries its key in a unique property
 * (field, default va_key): search by it first, create when absent, and
 * search again when the create answers 409 (another process won the race).
 * Auth: Bearer (private app token). user, when set, is the portal id used
 * for agent links.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

#define HS_FIELD	"va_key"

static enum va_crm_rc
request(struct va_crm *crm, const char *path, const json_t *body,
    struct va_http_resp *resp, const char *what)
{
	const char *hdrs[4];
	char url[1024], *auth, *text;
	size_t n;

	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		return VA_CRM_STORE;
	n = strlen(crm->token ? crm->token : "") + 32;
	if ((auth = malloc(n)) == NULL) {
		free(text);
		return VA_CRM_STORE;
	}
	snprintf(auth, n, "Authorization: Bearer %s",
	    crm->token ? crm->token : "");
	hdrs[0] = auth;
	hdrs[1] = "Content-Type: application/json";
	hdrs[2] = "Accept: application/json";
	hdrs[3] = NULL;
	snprintf(url, sizeof(url), "%s%s", crm->url, path);
	va_crm_http(crm, "POST", url, hdrs, text, NULL, resp);
	explicit_bzero(auth, n);
	free(auth);
	free(text);
	(void)what;
	return VA_CRM_OK;
}

/* 1 found (ref->id set), 0 not found, or -(rc) on failure. */
static int
search(struct va_crm *crm, const char *field, const char *key,
    struct va_crm_ref *ref, enum va_crm_rc *rc)
{
	struct va_http_resp resp = { 0 };
	json_t *q, *ans = NULL, *first;
	int found = -1;

	q = json_pack("{s:[{s:[{s:s,s:s,s:s}]}],s:[s],s:i}", "filterGroups",
	    "filters", "propertyName", field, "operator", "EQ", "value", key,
	    "properties", "subject", "limit", 1);
	if (q == NULL) {
		*rc = VA_CRM_STORE;
		return -1;
	}
	request(crm, "/crm/v3/objects/tickets/search", q, &resp, "search");
	json_decref(q);
	if (resp.outcome != VA_HTTP_OK) {
		*rc = va_crm_fail(crm, &resp, "hubspot search");
		goto out;
	}
	if ((ans = va_crm_json(crm, &resp, "hubspot search")) == NULL ||
	    !json_is_array(json_object_get(ans, "results"))) {
		if (ans != NULL)
			snprintf(crm->err, sizeof(crm->err),
			    "hubspot search: no results array");
		*rc = VA_CRM_RETRY;
		goto out;
	}
	first = json_array_get(json_object_get(ans, "results"), 0);
	if (first == NULL)
		found = 0;
	else if (va_crm_copy(ref->id, sizeof(ref->id), first, "id") == 0)
		found = 1;
	else {
		snprintf(crm->err, sizeof(crm->err),
		    "hubspot search: a result without id");
		*rc = VA_CRM_RETRY;
	}
out:
	json_decref(ans);
	va_http_resp_free(&resp);
	return found;
}

static const char *
priority(const char *p)
{
	if (strcmp(p, "low") == 0)
		return "LOW";
	if (strcmp(p, "normal") == 0)
		return "MEDIUM";
	return "HIGH";
}

enum va_crm_rc
va_crm_hubspot_create(struct va_crm *crm, const struct va_ticket *t,
    struct va_crm_ref *ref)
{
	struct va_http_resp resp = { 0 };
	const char *field = crm->field ? crm->field : HS_FIELD;
	char *subject = NULL, *content = NULL;
	json_t *req = NULL, *props, *ans = NULL;
	enum va_crm_rc rc = VA_CRM_OK;
	int found;

	if ((found = search(crm, field, t->key, ref, &rc)) < 0)
		goto out;
	if (found == 0) {
		subject = va_ticket_subject(t);
		content = va_ticket_body(t);
		props = json_pack("{s:s?,s:s?,s:s,s:s,s:s}", "subject", subject,
		    "content", content, "hs_pipeline", "0",
		    "hs_pipeline_stage", "1",
		    "hs_ticket_priority", priority(t->priority));
		if (props == NULL ||
		    json_object_set_new(props, field, json_string(t->key)) ||
		    (req = json_pack("{s:o}", "properties", props)) == NULL) {
			rc = VA_CRM_STORE;
			goto out;
		}
		request(crm, "/crm/v3/objects/tickets", req, &resp, "create");
		if (resp.status == 409) {
			/* The unique property exists: someone created it. */
			if ((found = search(crm, field, t->key, ref, &rc)) != 1) {
				if (found == 0) {
					snprintf(crm->err, sizeof(crm->err),
					    "hubspot create: conflict, yet"
					    " not found");
					rc = VA_CRM_RETRY;
				}
				goto out;
			}
		} else if (resp.outcome != VA_HTTP_OK) {
			rc = va_crm_fail(crm, &resp, "hubspot create");
			goto out;
		} else if ((ans = va_crm_json(crm, &resp, "hubspot create"))
		    == NULL || va_crm_copy(ref->id, sizeof(ref->id), ans, "id")
		    != 0) {
			if (ans != NULL)
				snprintf(crm->err, sizeof(crm->err),
				    "hubspot create: no id");
			rc = VA_CRM_RETRY;
			goto out;
		}
	}
	snprintf(ref->number, sizeof(ref->number), "%.63s", ref->id);
	if (crm->user != NULL)
		snprintf(ref->url, sizeof(ref->url),
		    "https://app.hubspot.com/contacts/%.60s/record/0-5/%.100s",
		    crm->user, ref->id);
	rc = VA_CRM_OK;
out:
	va_http_resp_free(&resp);
	json_decref(req);
	json_decref(ans);
	free(subject);
	free(content);
	return rc;
}
