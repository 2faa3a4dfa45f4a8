/*
 * pay.c - what va-pay's backends share: requests, error classes, and the
 * words a caller hears about payments and refunds (see pay.h).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pay.h"

int
va_pay_http(struct va_pay *p, const char *method, const char *url,
    const char *const *headers, const char *body, const char *userpwd,
    struct va_http_resp *resp)
{
	return va_http_simple(p->http, method, url, headers, body, userpwd,
	    p->timeout_ms, p->tries, p->budget_ms, resp);
}

enum va_pay_rc
va_pay_refund(struct va_pay *p, const char *payment, int64_t amount,
    const char *currency, const char *reason, const char *key,
    struct va_refund *r)
{
	if (strcmp(p->backend, "stripe") == 0)
		return va_pay_stripe_refund(p, payment, amount, reason, key, r);
	return va_pay_adyen_refund(p, payment, amount, currency, reason, key,
	    r);
}

enum va_pay_rc
va_pay_fail(struct va_pay *p, const struct va_http_resp *resp,
    const char *what)
{
	va_http_describe(resp, what, p->err, sizeof(p->err));
	switch (resp->outcome) {
	case VA_HTTP_NOT_FOUND:
		return VA_PAY_NOT_FOUND;
	case VA_HTTP_AUTH:
		return VA_PAY_AUTH;
	case VA_HTTP_CLIENT:
		return VA_PAY_INVALID;
	default:
		return VA_PAY_UNAVAILABLE;
	}
}

const char *
va_pay_rc_name(enum va_pay_rc rc)
{
	static const char *const names[] = { "ok", "not_found", "unavailable",
		"auth", "invalid", "done", "unsupported" };

	return (unsigned)rc < sizeof(names) / sizeof(names[0]) ? names[rc] :
	    "unavailable";
}

char *
va_pay_money(int64_t amount, const char *currency)
{
	static const struct {
		const char *cur, *one, *many, *cent, *cents;
	} words[] = {
		{ "usd", "dollar", "dollars", "cent", "cents" },
		{ "eur", "euro", "euros", "cent", "cents" },
		{ "gbp", "pound", "pounds", "penny", "pence" },
		{ "cad", "Canadian dollar", "Canadian dollars", "cent", "cents" },
		{ "aud", "Australian dollar", "Australian dollars", "cent",
		  "cents" },
	};
	char buf[160], cur[8];
	int64_t major, minor;
	size_t i;

	snprintf(cur, sizeof(cur), "%s", currency != NULL ? currency : "");
	for (i = 0; cur[i] != '\0'; i++)
		cur[i] = (char)tolower((unsigned char)cur[i]);
	if (amount < 0)
		amount = -amount;
	major = amount / 100;
	minor = amount % 100;
	if (strcmp(cur, "jpy") == 0 || strcmp(cur, "krw") == 0) {
		snprintf(buf, sizeof(buf), "%" PRId64 " %s", amount,
		    cur[0] == 'j' ? "yen" : "won");
		return strdup(buf);
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(cur, words[i].cur) != 0)
			continue;
		if (minor == 0)
			snprintf(buf, sizeof(buf), "%" PRId64 " %s", major,
			    major == 1 ? words[i].one : words[i].many);
		else if (major == 0)
			snprintf(buf, sizeof(buf), "%" PRId64 " %s", minor,
			    minor == 1 ? words[i].cent : words[i].cents);
		else
			snprintf(buf, sizeof(buf), "%" PRId64 " %s and %"
			    PRId64 " %s", major, major == 1 ? words[i].one :
			    words[i].many, minor, minor == 1 ? words[i].cent :
			    words[i].cents);
		return strdup(buf);
	}
	for (i = 0; cur[i] != '\0'; i++)
		cur[i] = (char)toupper((unsigned char)cur[i]);
	snprintf(buf, sizeof(buf), "%" PRId64 ".%02" PRId64 " %s", major,
	    minor, cur);
	return strdup(buf);
}

const char *
va_pay_decline_words(const char *decline, const char *code)
{
	static const struct {
		const char *code, *words;
	} table[] = {
		{ "insufficient_funds",
		  "the bank said there was not enough money available on the card" },
		{ "expired_card", "the card has expired" },
		{ "incorrect_cvc", "the security code did not match" },
		{ "invalid_cvc", "the security code did not match" },
		{ "incorrect_number", "the card number was not accepted" },
		{ "invalid_number", "the card number was not accepted" },
		{ "invalid_expiry_month", "the expiry date was not accepted" },
		{ "invalid_expiry_year", "the expiry date was not accepted" },
		{ "card_velocity_exceeded",
		  "the card has reached its spending limit" },
		{ "withdrawal_count_limit_exceeded",
		  "the card has reached its spending limit" },
		{ "authentication_required",
		  "the bank asked for an extra check that was not completed" },
		{ "processing_error",
		  "there was a processing error, so it is worth trying again" },
		{ "currency_not_supported",
		  "the card cannot be used in this currency" },
		{ "card_not_supported",
		  "the card does not support this kind of purchase" },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if ((decline != NULL && strcmp(decline, table[i].code) == 0) ||
		    (code != NULL && strcmp(code, table[i].code) == 0))
			return table[i].words;
	/*
	 * lost_card, stolen_card, fraudulent, do_not_honor, generic_decline
	 * and the rest: say no more than the bank would to anyone holding
	 * the phone.
	 */
	return "the bank declined the card without giving us a reason; your"
	    " bank can tell you more";
}

char *
va_pay_say_status(const struct va_payment *pm)
{
	char buf[512], *money = va_pay_money(pm->amount, pm->currency);
	const char *m = money != NULL ? money : "it", *s = pm->status;

	if (strcmp(s, "succeeded") == 0 || strcmp(s, "completed") == 0 ||
	    strcmp(s, "paid") == 0)
		snprintf(buf, sizeof(buf), "Your payment of %s went through.",
		    m);
	else if (strcmp(s, "processing") == 0 ||
	    strcmp(s, "paymentPending") == 0)
		snprintf(buf, sizeof(buf), "Your payment of %s is still being"
		    " processed by the bank; that can take a little while.", m);
	else if (strcmp(s, "requires_action") == 0)
		snprintf(buf, sizeof(buf), "Your payment of %s is waiting for"
		    " you to confirm it with your bank, for example in your"
		    " banking app.", m);
	else if (strcmp(s, "requires_capture") == 0)
		snprintf(buf, sizeof(buf), "Your payment of %s is approved;"
		    " your card will be charged when the order ships.", m);
	else if (strcmp(s, "canceled") == 0)
		snprintf(buf, sizeof(buf), "That payment was cancelled, so you"
		    " have not been charged.");
	else if (strcmp(s, "expired") == 0)
		snprintf(buf, sizeof(buf), "The payment link expired before a"
		    " payment was made, so you have not been charged.");
	else if (strcmp(s, "active") == 0)
		snprintf(buf, sizeof(buf), "We have not received your payment"
		    " of %s yet.", m);
	else if (strcmp(s, "requires_payment_method") == 0 &&
	    (*pm->decline != '\0' || *pm->code != '\0'))
		snprintf(buf, sizeof(buf), "Your payment of %s did not go"
		    " through: %s.", m, va_pay_decline_words(pm->decline,
		    pm->code));
	else
		snprintf(buf, sizeof(buf), "Your payment of %s has not been"
		    " completed yet.", m);
	free(money);
	return strdup(buf);
}

char *
va_pay_say_refund(const struct va_refund *r)
{
	char buf[512], *money = va_pay_money(r->amount, r->currency);

	if (strcmp(r->status, "failed") == 0 ||
	    strcmp(r->status, "canceled") == 0)
		snprintf(buf, sizeof(buf), "The refund of %s could not be made;"
		    " a colleague will look into it.", money ? money : "it");
	else
		snprintf(buf, sizeof(buf), "I've %s %s. It usually takes five"
		    " to ten business days to show on your statement.",
		    strcmp(r->status, "succeeded") == 0 ? "refunded" :
		    "asked for a refund of", money ? money : "the amount");
	free(money);
	return strdup(buf);
}

char *
va_pay_say_refund_queued(int64_t amount, const char *currency)
{
	char buf[512], *money = va_pay_money(amount, currency);

	snprintf(buf, sizeof(buf), "I've asked for a refund of %s. Our payment"
	    " system isn't answering right now, so it will go through as soon"
	    " as it does; it usually takes five to ten business days after"
	    " that to show on your statement.", money ? money : "the amount");
	free(money);
	return strdup(buf);
}
