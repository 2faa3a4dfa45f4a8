/*
 * shop.h - order lookups against shop backends: one configured store, the
 * backends behind it, and the lookup that puts cache, circuit breaker,
 * rate limiter and retries around a backend.
 *
 * A store (struct va_shop) is one shop the assistant answers for: its
 * backend (local, shopify, magento, woocommerce, bigcommerce), base URL,
 * credentials (secrets, read from the environment by lib/shopconf.c),
 * limits and timeouts. va_shop_lookup() answers one query:
 *
 *   1. the query is checked (an order number, a phone number or an email
 *      address) -> VA_SHOP_INVALID when it holds none;
 *   2. a fresh cache entry (lib/cache.h, namespace "order", ttl_ms) is the
 *      answer, marked cached;
 *   3. an open circuit breaker (lib/breaker.h, name "order:<store>") fails
 *      fast with VA_SHOP_UNAVAILABLE, reason "breaker_open" (a breaker
 *      found closed with no failures is taken as such for 100 ms without
 *      reading it again, so another process's opening is seen that late
 *      at most);
 *   4. the backend is asked; each HTTP request first waits for the store's
 *      rate limiter (lib/ratelimit.h, fed by the vendor's headers), then
 *      goes out with retries and backoff (lib/http.h) within the store's
 *      budget; a 429 that outlives the retries is waited out once more
 *      when the vendor's reset time fits the budget;
 *   5. answers are cached, the breaker told; timeouts, 5xx, unreachable
 *      backends, rate limits and malformed bodies count as failures, a
 *      not-found or a refused credential do not (the backend answered);
 *   6. when the backend is unavailable, a stale cache entry younger than
 *      stale_ms is answered instead (marked cached).
 *
 * The local backend reads orders from the store's own sqlite tables
 * (filled by va-order import) and skips cache and breaker.
 *
 * Many lookups at once: a runner (va_shop_runner_new) answers lookups
 * started with va_shop_start() over lib/fetch.c's curl multi handle, in
 * one thread, driven by the caller's poll loop (va_shop_run). The steps
 * are those above; a backend's sequence of requests (an order, then its
 * shipments) is replayed from the responses already in hand each time one
 * more arrives, so the backends are written once, as straight-line code.
 * Waiting for the rate limiter (a queue, in order of arrival), a retry's
 * backoff and a 429's Retry-After are timers, never sleeps; a 429 blocks
 * the store's limiter for every lookup, is retried within the budget, and
 * does not count as a try. A lookup queued behind the limiter when the
 * breaker opens fails fast when its turn comes.
 *
 * Ownership: a va_shop owns its strings and handles (va_shop_free); an
 * answer owns its order (va_shop_answer_free).
 */
#ifndef VA_SHOP_H
#define VA_SHOP_H

#include <stdint.h>

#include <jansson.h>

#include "breaker.h"
#include "http.h"
#include "order.h"
#include "store.h"

enum va_shop_status {
	VA_SHOP_OK,
	VA_SHOP_NOT_FOUND,
	VA_SHOP_INVALID,	/* nothing to look up, or unsupported by */
	VA_SHOP_UNAVAILABLE	/* down, rate limited, timed out, refused */
};

struct va_shop_query {
	const char *number;	/* as said: "10234", "#1001", "000000123" */
	const char *phone;
	const char *email;
};

struct va_shop_answer {
	enum va_shop_status status;
	struct va_order order;	/* filled when VA_SHOP_OK */
	int	cached;		/* answered from the cache */
	/*
	 * Why it is not ok, a stable word: "no_query", "unsupported",
	 * "breaker_open", "auth", "timeout", "rate_limited", "server",
	 * "unreachable", "malformed", "client", "store", "protocol".
	 */
	const char *reason;
	char	detail[256];	/* for diagnostics; never a secret */
	int	failure;	/* counts against the breaker */
	int	requests;	/* HTTP requests sent */
	long	backend_ms;	/* in HTTP requests (curl's time) */
};

struct va_shop;
struct va_shop_job;

struct va_shop_backend {
	const char *name;	/* "shopify" */
	/*
	 * Look q up (already checked: exactly one of number, phone, email,
	 * normalised), filling a. Returns 0; the status says what happened.
	 */
	int	(*lookup)(struct va_shop *, const struct va_shop_query *,
		    struct va_shop_answer *);
	/* Tell the shop's rate limiter what a response's headers say. */
	void	(*note)(struct va_shop *, const struct va_http_resp *,
		    int64_t now_ms);
	double	rate, burst;	/* default request rate and bucket */
};

extern const struct va_shop_backend va_shop_local;
extern const struct va_shop_backend va_shop_shopify;
extern const struct va_shop_backend va_shop_magento;
extern const struct va_shop_backend va_shop_woo;
extern const struct va_shop_backend va_shop_bigcommerce;

/* The backend of that name ("woocommerce" or "woo"), or NULL. */
const struct va_shop_backend *va_shop_backend_find(const char *name);

enum va_shop_auth { VA_SHOP_AUTH_DEFAULT, VA_SHOP_AUTH_BASIC,
	VA_SHOP_AUTH_OAUTH };

struct va_shop {
	char	*name;
	const struct va_shop_backend *backend;
	char	*url;		/* base URL, no trailing slash */
	char	*api_version;	/* shopify: "2025-10" */
	char	*store_code;	/* magento: "default", or NULL */
	enum va_shop_auth auth;	/* woocommerce */
	char	*token;		/* secret (not woocommerce) */
	char	*key;		/* secret: woocommerce consumer key */
	char	*secret;	/* secret: woocommerce consumer secret */
	double	rate, burst;
	long	connect_timeout_ms;
	long	timeout_ms;	/* per try */
	int	tries;
	long	budget_ms;	/* a whole lookup, waits included */
	int64_t	ttl_ms;		/* cache freshness; 0: no cache */
	int64_t	stale_ms;	/* stale answers when down; 0 never */
	struct va_breaker_conf breaker;
	/* Handles, set by va_shop_open(). */
	struct va_store *db;
	struct va_http *http;
	struct va_ratelimit *rl;
	/* During a lookup: when its budget ends (real monotonic ms). */
	int64_t	deadline;
	/* Set by a backend whose requests are single use (signed nonces). */
	int	no_resend;
	/* The runner's lookup being replayed, NULL when synchronous. */
	struct va_shop_job *cur;
	/* Until when (real monotonic ms) the breaker is known clean. */
	int64_t	breaker_clean_until;
};

/* A store with defaults (timeouts, tries, ttl); NULL on no memory. */
struct va_shop *va_shop_new(const char *name,
	    const struct va_shop_backend *);
/*
 * Acquire what the shop needs: the HTTP handle and rate limiter, and the
 * tables (cache, breaker, local orders) in db (borrowed). 0 or -1 (logged).
 */
int	va_shop_open(struct va_shop *, struct va_store *db);
void	va_shop_free(struct va_shop *);

/*
 * Answer q from shop s as described above. Returns 0 with a filled (the
 * caller frees it with va_shop_answer_free), -1 only on no memory.
 */
int	va_shop_lookup(struct va_shop *, const struct va_shop_query *,
	    struct va_shop_answer *);
void	va_shop_answer_free(struct va_shop_answer *);

/* Many lookups at once (see above). */
struct va_shop_runner;

/*
 * The answer to a lookup started with va_shop_start(); a and its order are
 * the callback's only during the call (move the order out and
 * va_order_init() it to keep it).
 */
typedef void (*va_shop_cb)(void *arg, struct va_shop *,
	    struct va_shop_answer *a);

/* A runner writing to db (borrowed); NULL on failure (logged). */
struct va_shop_runner *va_shop_runner_new(struct va_store *db);
/* Free; lookups still pending are dropped without their callbacks. */
void	va_shop_runner_free(struct va_shop_runner *);
/*
 * Start answering q from s (opened); cb runs exactly once, possibly
 * before this returns (the local store, a cache hit, an open breaker, a
 * query with nothing to look up). 0, or -1 on no memory (no callback).
 */
int	va_shop_start(struct va_shop_runner *, struct va_shop *,
	    const struct va_shop_query *, va_shop_cb cb, void *arg);
/*
 * Move lookups on, waiting at most timeout_ms (-1: until the next timer
 * or a second) for a response, a timer or fd (-1: none) to become
 * readable; callbacks run from here. As va_fetch_wait(): 1 when fd is
 * readable.
 */
int	va_shop_run(struct va_shop_runner *, int fd, long timeout_ms);
/* Lookups started and not answered yet. */
int	va_shop_pending(const struct va_shop_runner *);
/*
 * With batching on, the store writes of lookups that finish together
 * (cache entries, breaker successes, and the caller's after va_shop_txn())
 * share one transaction, committed by va_shop_commit() and before
 * va_shop_run() waits; writes that need their own transaction (a breaker
 * failure or trial) commit it first.
 */
void	va_shop_batch(struct va_shop_runner *, int on);
void	va_shop_txn(struct va_shop_runner *);
void	va_shop_commit(struct va_shop_runner *);

/*
 * Normalise a query in place into buffers of at least 128 bytes each:
 * the number loses "#", spaces and dashes (letters upper-cased); the phone
 * keeps its digits (and a leading +); the email is lower-cased. Returns
 * which one is set ("number", "phone", "email"), or NULL when none is
 * usable. The number wins over the phone, the phone over the email.
 */
const char *va_shop_query_norm(struct va_shop_query *, char *num,
	    char *phone, char *email);

/* For backends: */

/*
 * GET path (appended to the shop's URL; the query string already escaped)
 * with the given extra headers (NULL-terminated, may be NULL). Waits for
 * the rate limiter, retries, and waits out a 429 once more when it fits
 * the lookup's budget (unless the shop's no_resend is set). Returns 0
 * when a response arrived (resp->outcome
 * says which), -1 when none did; on anything but 2xx, 404 and 204, a is
 * set unavailable (or invalid for other 4xx) with reason and detail.
 */
int	va_shop_get(struct va_shop *, const char *path,
	    const char *const *headers, const char *userpwd,
	    struct va_http_resp *, struct va_shop_answer *);
/*
 * The longest wait a 429 response asks for, in ms, from any header a
 * vendor uses (Retry-After, X-Retry-After, X-Rate-Limit-Time-Reset-Ms);
 * -1 when none.
 */
int64_t	va_shop_retry_after(const struct va_http_resp *);
/*
 * Parse a response body as JSON; NULL (and a set unavailable, reason
 * "malformed", a failure) when it is not JSON.
 */
json_t	*va_shop_json(const struct va_http_resp *,
	    struct va_shop_answer *);
/*
 * The body of an order lookup's response from va_shop_get(), parsed (a
 * new reference); NULL when there is none to read: a already set by the
 * request, a 404 (a set not found, "HTTP 404"), or a body that is not
 * JSON (as va_shop_json()).
 */
json_t	*va_shop_order_json(const struct va_http_resp *,
	    struct va_shop_answer *);
/*
 * The same for a part of an order fetched after it (its shipments): a 404
 * says the order has none, and leaves a as it is (NULL, a->reason NULL).
 */
json_t	*va_shop_part_json(const struct va_http_resp *,
	    struct va_shop_answer *);
/*
 * The first order of a search's answer j (borrowed): the first element of
 * j's member named list, which must be an array (else a set malformed,
 * "no <list> array"); with list NULL, the first element of j when j is an
 * array, else j itself (an order by id). NULL when there is none (a set
 * not found, "no order"). What is returned may still not be an object.
 */
const json_t *va_shop_first_order(const json_t *j, const char *list,
	    struct va_shop_answer *);
/*
 * A backend's note for vendors whose only rate-limit word is a 429's
 * Retry-After: the shop's limiter waits that long (or backs off).
 */
void	va_shop_note_retry_after(struct va_shop *,
	    const struct va_http_resp *, int64_t now_ms);
/* Set a's status, reason and detail (printf-style). */
void	va_shop_fail(struct va_shop_answer *, enum va_shop_status,
	    const char *reason, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* Set a malformed-body failure naming what was wrong. */
void	va_shop_malformed(struct va_shop_answer *, const char *what);

/* Small helpers for mapping vendor JSON. */
const char *va_shop_jstr(const json_t *, const char *key);
/* A member as an integer (JSON integer, integral real, or digit string). */
int	va_shop_jint(const json_t *, const char *key, int64_t *out);
/* Set *dst to the member's ISO date when it is a date; 0 or -1 (memory). */
int	va_shop_jdate(const json_t *, const char *key, char **dst);
/*
 * Add an order line mapped from a vendor's item v: the title from member
 * title_key, the sku from "sku", the quantity from quantity_key (1 when
 * absent) and the price from price_key in currency cur (-1 when absent).
 * 0; 1 when a member could not be stored; -1 when no line could be added
 * (memory).
 */
int	va_shop_add_item(struct va_order *, const json_t *v, const char *cur,
	    const char *title_key, const char *quantity_key,
	    const char *price_key);
/* A carrier's display name for a vendor code ("ups" -> "UPS"), or code. */
const char *va_shop_carrier_name(const char *code);
/* Real monotonic milliseconds (not frozen by VA_FIXED_CLOCK). */
int64_t	va_shop_now_ms(void);

/*
 * WooCommerce's OAuth 1.0a one-legged signature (HMAC-SHA1, no token, no
 * oauth_version): query (RFC 3986 encoded "k=v&...", may be empty) with
 * oauth_consumer_key, oauth_nonce, oauth_signature, oauth_signature_method
 * and oauth_timestamp appended, for a request of method to url (without
 * its query). A new string, NULL on failure.
 */
char	*va_shop_oauth1_query(const char *method, const char *url,
	    const char *query, const char *key, const char *secret,
	    long long ts, const char *nonce);

/* The local backend's tables and import. */
int	va_shop_local_init(struct va_store *);
/* Store or replace order o under store name; 0 or -1 (logged). */
int	va_shop_local_put(struct va_store *, const char *store,
	    const struct va_order *);

#endif
