/*
 * pay_stripe.c - Stripe PaymentIntents and Refunds (see pay.h). The secret
 * key goes as the Basic user name with an empty password; request bodies
 * are form-encoded; refunds carry an Idempotency-Key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pay.h"

static void
copy(char *dst, size_t len, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", s != NULL ? s : "");
}

/* The error code of a Stripe error body, or "". */
static void
error_code(const struct va_http_resp *resp, char *code, size_t len)
{
	json_t *j = resp->body ? json_loadb(resp->body, resp->body_len, 0,
	    NULL) : NULL;

	copy(code, len, json_object_get(j, "error"), "code");
	json_decref(j);
}

static enum va_pay_rc
request(struct va_pay *p, const char *method, const char *path,
    const char *body, const char *key, struct va_http_resp *resp,
    json_t **ans, const char *what)
{
	const char *hdrs[3];
	char url[1024], idem[400], *user;
	size_t n;
	int i = 0;

	n = strlen(p->token ? p->token : "") + 2;
	if ((user = malloc(n)) == NULL)
		return VA_PAY_UNAVAILABLE;
	snprintf(user, n, "%s:", p->token ? p->token : "");
	if (body != NULL)
		hdrs[i++] = "Content-Type: application/x-www-form-urlencoded";
	if (key != NULL) {
		snprintf(idem, sizeof(idem), "Idempotency-Key: %.255s", key);
		hdrs[i++] = idem;
	}
	hdrs[i] = NULL;
	snprintf(url, sizeof(url), "%s%s", p->url, path);
	va_pay_http(p, method, url, hdrs, body, user, resp);
	explicit_bzero(user, n);
	free(user);
	*ans = NULL;
	if (resp->outcome != VA_HTTP_OK)
		return va_pay_fail(p, resp, what);
	if (resp->body == NULL || (*ans = json_loadb(resp->body,
	    resp->body_len, 0, NULL)) == NULL || !json_is_object(*ans)) {
		json_decref(*ans);
		*ans = NULL;
		snprintf(p->err, sizeof(p->err), "%s: malformed answer", what);
		return VA_PAY_UNAVAILABLE;
	}
	return VA_PAY_OK;
}

static void
fill(struct va_payment *pm, const json_t *o)
{
	json_t *e = json_object_get(o, "last_payment_error");

	copy(pm->id, sizeof(pm->id), o, "id");
	copy(pm->status, sizeof(pm->status), o, "status");
	copy(pm->currency, sizeof(pm->currency), o, "currency");
	pm->amount = json_integer_value(json_object_get(o, "amount"));
	copy(pm->code, sizeof(pm->code), e, "code");
	copy(pm->decline, sizeof(pm->decline), e, "decline_code");
}

enum va_pay_rc
va_pay_stripe_status(struct va_pay *p, const char *payment,
    const char *order, struct va_payment *pm)
{
	struct va_http_resp resp = { 0 };
	char path[1024], *id, *q = NULL;
	json_t *ans = NULL, *o;
	enum va_pay_rc rc;
	size_t n;

	memset(pm, 0, sizeof(*pm));
	if (payment != NULL) {
		if ((id = va_http_escape(payment)) == NULL)
			return VA_PAY_UNAVAILABLE;
		snprintf(path, sizeof(path), "/v1/payment_intents/%s", id);
		free(id);
	} else {
		n = strlen(order) + 40;
		if ((q = malloc(n)) == NULL)
			return VA_PAY_UNAVAILABLE;
		/* Quotes and backslashes cannot be escaped inside a term. */
		if (strpbrk(order, "'\\") != NULL) {
			free(q);
			snprintf(p->err, sizeof(p->err), "bad order number");
			return VA_PAY_INVALID;
		}
		snprintf(q, n, "metadata['order_id']:'%s'", order);
		id = va_http_escape(q);
		free(q);
		if (id == NULL)
			return VA_PAY_UNAVAILABLE;
		snprintf(path, sizeof(path),
		    "/v1/payment_intents/search?query=%s&limit=1", id);
		free(id);
	}
	rc = request(p, "GET", path, NULL, NULL, &resp, &ans,
	    "stripe payment");
	if (rc == VA_PAY_OK) {
		o = ans;
		if (payment == NULL &&
		    (o = json_array_get(json_object_get(ans, "data"), 0)) ==
		    NULL) {
			snprintf(p->err, sizeof(p->err),
			    "no payment for that order");
			rc = VA_PAY_NOT_FOUND;
		} else {
			fill(pm, o);
			if (*pm->status == '\0') {
				snprintf(p->err, sizeof(p->err),
				    "stripe payment: no status");
				rc = VA_PAY_UNAVAILABLE;
			}
		}
	}
	json_decref(ans);
	va_http_resp_free(&resp);
	return rc;
}

enum va_pay_rc
va_pay_stripe_refund(struct va_pay *p, const char *payment, int64_t amount,
    const char *reason, const char *key, struct va_refund *r)
{
	struct va_http_resp resp = { 0 };
	char body[1024], code[64], *id, *k;
	json_t *ans = NULL;
	enum va_pay_rc rc;

	memset(r, 0, sizeof(*r));
	if (reason == NULL || (strcmp(reason, "duplicate") != 0 &&
	    strcmp(reason, "fraudulent") != 0))
		reason = "requested_by_customer";
	id = va_http_escape(payment);
	k = va_http_escape(key);
	if (id == NULL || k == NULL) {
		free(id);
		free(k);
		return VA_PAY_UNAVAILABLE;
	}
	snprintf(body, sizeof(body), "payment_intent=%.300s&amount=%" PRId64
	    "&reason=%s&metadata[va_key]=%.300s", id, amount, reason, k);
	free(id);
	free(k);
	rc = request(p, "POST", "/v1/refunds", body, key, &resp, &ans,
	    "stripe refund");
	if (rc == VA_PAY_INVALID) {
		error_code(&resp, code, sizeof(code));
		if (strcmp(code, "resource_missing") == 0)
			rc = VA_PAY_NOT_FOUND;
		else if (strcmp(code, "charge_already_refunded") == 0)
			rc = VA_PAY_DONE;
		if (*code != '\0') {
			size_t n = strlen(p->err);

			snprintf(p->err + n, sizeof(p->err) - n, " %s", code);
		}
	} else if (rc == VA_PAY_OK) {
		copy(r->id, sizeof(r->id), ans, "id");
		copy(r->status, sizeof(r->status), ans, "status");
		copy(r->currency, sizeof(r->currency), ans, "currency");
		r->amount = json_integer_value(json_object_get(ans, "amount"));
		if (*r->id == '\0') {
			snprintf(p->err, sizeof(p->err),
			    "stripe refund: no id in the answer");
			rc = VA_PAY_UNAVAILABLE;
		}
	}
	json_decref(ans);
	va_http_resp_free(&resp);
	return rc;
}
