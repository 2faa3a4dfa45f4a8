/*
 * pay_adyen.c - Adyen Checkout API v71 (see pay.h). Checkout has no
 * payment lookup by reference, so a status is that of a payment link
 * (GET /paymentLinks/{id}); refunds go to POST
 * /payments/{pspReference}/refunds (201, asynchronous: "received") with an
 * Idempotency-Key. Auth: the X-API-Key header.
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

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static enum va_pay_rc
request(struct va_pay *p, const char *method, const char *path,
    const char *body, const char *key, struct va_http_resp *resp,
    json_t **ans, const char *what)
{
	const char *hdrs[5];
	char url[1024], idem[200], *auth;
	size_t n;
	int i = 0;

	n = strlen(p->token ? p->token : "") + 16;
	if ((auth = malloc(n)) == NULL)
		return VA_PAY_UNAVAILABLE;
	snprintf(auth, n, "X-API-Key: %s", p->token ? p->token : "");
	hdrs[i++] = auth;
	hdrs[i++] = "Accept: application/json";
	if (body != NULL)
		hdrs[i++] = "Content-Type: application/json";
	if (key != NULL) {
		snprintf(idem, sizeof(idem), "Idempotency-Key: %.64s", key);
		hdrs[i++] = idem;
	}
	hdrs[i] = NULL;
	snprintf(url, sizeof(url), "%s%s", p->url, path);
	va_pay_http(p, method, url, hdrs, body, NULL, resp);
	explicit_bzero(auth, n);
	free(auth);
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

/* Adyen's errorCode from a ServiceError body, or "". */
static void
error_code(const struct va_http_resp *resp, char *code, size_t len)
{
	json_t *j = resp->body ? json_loadb(resp->body, resp->body_len, 0,
	    NULL) : NULL;

	copy(code, len, j, "errorCode");
	json_decref(j);
}

enum va_pay_rc
va_pay_adyen_status(struct va_pay *p, const char *payment,
    const char *order, struct va_payment *pm)
{
	struct va_http_resp resp = { 0 };
	char path[512], *id;
	json_t *ans = NULL, *amount;
	enum va_pay_rc rc;

	memset(pm, 0, sizeof(*pm));
	if (payment == NULL) {
		snprintf(p->err, sizeof(p->err),
		    "adyen checkout cannot look a payment up by order");
		return VA_PAY_UNSUPPORTED;
	}
	if ((id = va_http_escape(payment)) == NULL)
		return VA_PAY_UNAVAILABLE;
	snprintf(path, sizeof(path), "/paymentLinks/%.300s", id);
	free(id);
	rc = request(p, "GET", path, NULL, NULL, &resp, &ans, "adyen link");
	if (rc == VA_PAY_OK) {
		copy(pm->id, sizeof(pm->id), ans, "id");
		copy(pm->status, sizeof(pm->status), ans, "status");
		amount = json_object_get(ans, "amount");
		pm->amount = json_integer_value(json_object_get(amount,
		    "value"));
		copy(pm->currency, sizeof(pm->currency), amount, "currency");
		lower(pm->currency);
		if (*pm->status == '\0') {
			snprintf(p->err, sizeof(p->err),
			    "adyen link: no status");
			rc = VA_PAY_UNAVAILABLE;
		}
	}
	json_decref(ans);
	va_http_resp_free(&resp);
	return rc;
}

enum va_pay_rc
va_pay_adyen_refund(struct va_pay *p, const char *payment, int64_t amount,
    const char *currency, const char *reason, const char *key,
    struct va_refund *r)
{
	struct va_http_resp resp = { 0 };
	char path[512], code[32], cur[8], *id, *text = NULL;
	const char *why = "CUSTOMER REQUEST";
	json_t *req, *ans = NULL;
	enum va_pay_rc rc;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (currency == NULL) {
		snprintf(p->err, sizeof(p->err), "adyen refund needs currency");
		return VA_PAY_INVALID;
	}
	snprintf(cur, sizeof(cur), "%s", currency);
	for (i = 0; cur[i] != '\0'; i++)
		if (cur[i] >= 'a' && cur[i] <= 'z')
			cur[i] = (char)(cur[i] - 'a' + 'A');
	if (reason != NULL && strcmp(reason, "duplicate") == 0)
		why = "DUPLICATE";
	else if (reason != NULL && strcmp(reason, "fraudulent") == 0)
		why = "FRAUD";
	else if (reason != NULL && strcmp(reason, "return") == 0)
		why = "RETURN";
	req = json_pack("{s:{s:s,s:I},s:s?,s:s,s:s}", "amount", "currency", cur,
	    "value", (json_int_t)amount, "merchantAccount", p->merchant,
	    "reference", key, "merchantRefundReason", why);
	if (req == NULL || (text = json_dumps(req, JSON_COMPACT)) == NULL ||
	    (id = va_http_escape(payment)) == NULL) {
		json_decref(req);
		free(text);
		return VA_PAY_UNAVAILABLE;
	}
	json_decref(req);
	snprintf(path, sizeof(path), "/payments/%.300s/refunds", id);
	free(id);
	rc = request(p, "POST", path, text, key, &resp, &ans, "adyen refund");
	if (rc == VA_PAY_INVALID) {
		error_code(&resp, code, sizeof(code));
		/* 167: "Original pspReference required for this operation" */
		if (strcmp(code, "167") == 0)
			rc = VA_PAY_NOT_FOUND;
	} else if (rc == VA_PAY_AUTH && resp.status == 403) {
		/* 901 Invalid Merchant Account: configuration, not a key. */
		error_code(&resp, code, sizeof(code));
		if (strcmp(code, "901") == 0)
			snprintf(p->err, sizeof(p->err),
			    "adyen refund: invalid merchant account");
	} else if (rc == VA_PAY_OK) {
		copy(r->id, sizeof(r->id), ans, "pspReference");
		copy(r->status, sizeof(r->status), ans, "status");
		r->amount = json_integer_value(json_object_get(
		    json_object_get(ans, "amount"), "value"));
		copy(r->currency, sizeof(r->currency),
		    json_object_get(ans, "amount"), "currency");
		lower(r->currency);
		if (*r->id == '\0') {
			snprintf(p->err, sizeof(p->err),
			    "adyen refund: no pspReference in the answer");
			rc = VA_PAY_UNAVAILABLE;
		}
	}
	json_decref(ans);
	free(text);
	va_http_resp_free(&resp);
	return rc;
}
