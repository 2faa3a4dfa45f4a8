/*
 * crm_zendesk.c - tickets in Zendesk Support: POST /api/v2/tickets.json
 * with an Idempotency-Key header and external_id, both the ticket's key,
 * so a retried or replayed create returns the first ticket (see crm.h).
 * Auth: Basic "{email}/token:{api_token}" when user is set, else Bearer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

static json_t *
tags(const struct va_ticket *t)
{
	json_t *out = json_array(), *in = va_ticket_get(t, "tags"), *v;
	char tag[80], *p;
	size_t i;

	json_array_append_new(out, json_string("voice"));
	json_array_foreach(in, i, v) {
		if (!json_is_string(v))
			continue;
		snprintf(tag, sizeof(tag), "%s", json_string_value(v));
		/* A Zendesk tag is one word. */
		for (p = tag; *p != '\0'; p++)
			if (*p == ' ')
				*p = '_';
		json_array_append_new(out, json_string(tag));
	}
	return out;
}

enum va_crm_rc
va_crm_zendesk_create(struct va_crm *crm, const struct va_ticket *t,
    struct va_crm_ref *ref)
{
	struct va_http_resp resp = { 0 };
	const char *hdrs[6];
	char url[1024], idem[600], auth[1200], userpwd[1200];
	char *subject, *body, *text = NULL;
	const char *name, *email;
	json_t *req = NULL, *requester, *ans = NULL, *tk;
	enum va_crm_rc rc;
	int n = 0;

	subject = va_ticket_subject(t);
	body = va_ticket_body(t);
	if (subject == NULL || body == NULL) {
		rc = VA_CRM_STORE;
		snprintf(crm->err, sizeof(crm->err), "out of memory");
		goto out;
	}
	req = json_pack("{s:{s:s,s:{s:s},s:s,s:o,s:s}}", "ticket",
	    "subject", subject, "comment", "body", body,
	    "priority", t->priority, "tags", tags(t), "external_id", t->key);
	name = va_ticket_customer(t, "name");
	email = va_ticket_customer(t, "email");
	if (req != NULL && email != NULL) {
		requester = json_pack("{s:s}", "email", email);
		if (name != NULL)
			json_object_set_new(requester, "name",
			    json_string(name));
		json_object_set_new(json_object_get(req, "ticket"),
		    "requester", requester);
	}
	if (req == NULL || (text = json_dumps(req, JSON_COMPACT)) == NULL) {
		rc = VA_CRM_STORE;
		snprintf(crm->err, sizeof(crm->err), "out of memory");
		goto out;
	}
	snprintf(url, sizeof(url), "%s/api/v2/tickets.json", crm->url);
	snprintf(idem, sizeof(idem), "Idempotency-Key: %s", t->key);
	hdrs[n++] = "Content-Type: application/json";
	hdrs[n++] = "Accept: application/json";
	hdrs[n++] = idem;
	if (crm->user == NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    crm->token ? crm->token : "");
		hdrs[n++] = auth;
	} else
		snprintf(userpwd, sizeof(userpwd), "%s/token:%s", crm->user,
		    crm->token ? crm->token : "");
	hdrs[n] = NULL;
	if (va_crm_http(crm, "POST", url, hdrs, text,
	    crm->user != NULL ? userpwd : NULL, &resp) != 0 ||
	    resp.outcome != VA_HTTP_OK) {
		rc = va_crm_fail(crm, &resp, "zendesk create");
		goto out;
	}
	if ((ans = va_crm_json(crm, &resp, "zendesk create")) == NULL) {
		rc = VA_CRM_RETRY;
		goto out;
	}
	tk = json_object_get(ans, "ticket");
	if (va_crm_copy(ref->id, sizeof(ref->id), tk, "id") != 0) {
		snprintf(crm->err, sizeof(crm->err),
		    "zendesk create: no ticket id in the answer");
		rc = VA_CRM_RETRY;
		goto out;
	}
	snprintf(ref->number, sizeof(ref->number), "%.63s", ref->id);
	snprintf(ref->url, sizeof(ref->url), "%.380s/agent/tickets/%.100s",
	    crm->url, ref->id);
	rc = VA_CRM_OK;
out:
	explicit_bzero(auth, sizeof(auth));
	explicit_bzero(userpwd, sizeof(userpwd));
	va_http_resp_free(&resp);
	json_decref(req);
	json_decref(ans);
	free(text);
	free(subject);
	free(body);
	return rc;
}
