/*
 * pay.h - payments for va-pay: a payment's status and refunds at Stripe
 * (PaymentIntents, Refunds) or Adyen (Checkout v71), and the words a caller
 * hears about them.
 *
 * Status: Stripe GET /v1/payment_intents/{id}, or by order through
 * GET /v1/payment_intents/search on metadata order_id; Adyen has no payment
 * lookup in Checkout, so its status is that of a payment link
 * (GET /paymentLinks/{id}). Refunds: Stripe POST /v1/refunds (form),
 * Adyen POST /payments/{pspReference}/refunds (JSON), both with an
 * Idempotency-Key the caller gives (the action's key), so a retried or
 * replayed request refunds once.
 *
 * Functions return a va_pay_rc; p->err says why on failure, never with
 * the secret. Strings returned are new (free()).
 */
#ifndef VA_PAY_H
#define VA_PAY_H

#include <stdint.h>

#include "http.h"

enum va_pay_rc {
	VA_PAY_OK,
	VA_PAY_NOT_FOUND,	/* no such payment */
	VA_PAY_UNAVAILABLE,	/* down, timed out, rate limited, malformed */
	VA_PAY_AUTH,		/* credentials rejected */
	VA_PAY_INVALID,		/* the vendor refused the request's values */
	VA_PAY_DONE,		/* already refunded in full */
	VA_PAY_UNSUPPORTED	/* the vendor's API cannot answer that */
};

struct va_pay {
	const char *backend;	/* "stripe" or "adyen" */
	const char *url;	/* base: https://api.stripe.com, .../v71 */
	const char *token;	/* secret key or API key */
	const char *merchant;	/* adyen merchant account */
	struct va_http *http;
	long	timeout_ms;
	int	tries;
	long	budget_ms;
	char	err[256];
};

struct va_payment {
	char	id[128];
	char	status[40];	/* the vendor's status, as it says it */
	int64_t	amount;		/* minor units */
	char	currency[8];	/* lower case */
	char	code[64];	/* stripe last_payment_error.code */
	char	decline[64];	/* stripe last_payment_error.decline_code */
};

struct va_refund {
	char	id[128];
	char	status[40];	/* succeeded, pending, received, ... */
	int64_t	amount;
	char	currency[8];
};

enum va_pay_rc va_pay_stripe_status(struct va_pay *, const char *payment,
	    const char *order, struct va_payment *);
enum va_pay_rc va_pay_stripe_refund(struct va_pay *, const char *payment,
	    int64_t amount, const char *reason, const char *key,
	    struct va_refund *);
enum va_pay_rc va_pay_adyen_status(struct va_pay *, const char *payment,
	    const char *order, struct va_payment *);
enum va_pay_rc va_pay_adyen_refund(struct va_pay *, const char *payment,
	    int64_t amount, const char *currency, const char *reason,
	    const char *key, struct va_refund *);
/*
 * A refund at p->backend (stripe or adyen), as the two above; the key is
 * the Idempotency-Key, the same on every retry and resend.
 */
enum va_pay_rc va_pay_refund(struct va_pay *, const char *payment,
	    int64_t amount, const char *currency, const char *reason,
	    const char *key, struct va_refund *);

/* For the adapters: a request with the configured timeouts. */
int	va_pay_http(struct va_pay *, const char *method, const char *url,
	    const char *const *headers, const char *body, const char *userpwd,
	    struct va_http_resp *);
/* Classify a failed exchange (fills p->err). */
enum va_pay_rc va_pay_fail(struct va_pay *, const struct va_http_resp *,
	    const char *what);

/* "25 dollars and 99 cents", "12 euros", "2599 yen", "25.99 CHF". */
char	*va_pay_money(int64_t amount, const char *currency);
/* The sentence for a payment's status; new string. */
char	*va_pay_say_status(const struct va_payment *);
/* Why a card was declined, in words a caller may hear (static). */
const char *va_pay_decline_words(const char *decline_code, const char *code);
/* The sentence for a refund made; new string. */
char	*va_pay_say_refund(const struct va_refund *);
/*
 * The sentence for a confirmed refund kept in the outbox because the
 * payment service did not answer; new string.
 */
char	*va_pay_say_refund_queued(int64_t amount, const char *currency);
/* "ok", "not_found", "unavailable", "auth", "invalid", "done", "unsupported". */
const char *va_pay_rc_name(enum va_pay_rc);

#endif
