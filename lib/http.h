/*
 * http.h - the HTTP client over libcurl, the only file that includes curl.h.
 *
 * Every request has a connect timeout and a total timeout. Timeouts,
 * connection failures, 429 and 5xx are retried with exponential backoff and
 * full jitter (delay = uniform(0, min(backoff_max, backoff_base * 2^try))),
 * a Retry-After header (seconds or HTTP-date) is honoured as a lower bound
 * for the next delay, and the whole exchange, sleeps included, never runs
 * past total_budget_ms: when the next try could not finish in the budget,
 * the last outcome is returned. Each outcome is classified so callers decide
 * without looking at numbers. Secrets (userpwd, bearer tokens in headers)
 * are never logged; retries log diag "http_retry" at VA_INFO, with method,
 * URL without its query string, status and delay.
 *
 * Ownership: a va_http_resp is filled by va_http_do() and its buffers are
 * freed by va_http_resp_free(); the request is borrowed.
 */
#ifndef VA_HTTP_H
#define VA_HTTP_H

#include <stddef.h>

enum va_http_outcome {
	VA_HTTP_OK,		/* 2xx */
	VA_HTTP_NOT_FOUND,	/* 404 or 410 */
	VA_HTTP_AUTH,		/* 401 or 403 */
	VA_HTTP_CLIENT,		/* any other 4xx, not retried */
	VA_HTTP_RATE_LIMITED,	/* 429 still after the retries */
	VA_HTTP_SERVER,		/* 5xx still after the retries */
	VA_HTTP_TIMEOUT,	/* connect or total timeout after the retries */
	VA_HTTP_UNREACHABLE,	/* connection refused, DNS failure, ... */
	VA_HTTP_PROTOCOL	/* other transfer errors; 3xx (not followed) */
};

struct va_http_req {
	const char *method;		/* NULL means GET, or POST with a body */
	const char *url;
	const char *const *headers;	/* "Name: value", NULL-terminated; may be NULL */
	const char *body;		/* may be NULL */
	size_t	body_len;
	const char *userpwd;		/* "user:password" for Basic; a secret */
	long	connect_timeout_ms;	/* 0: 3000 */
	long	timeout_ms;		/* per try; 0: 10000 */
	int	max_tries;		/* 0: 3; 1 disables retries */
	long	total_budget_ms;	/* 0: 30000 */
	long	backoff_base_ms;	/* 0: 200 */
	long	backoff_max_ms;		/* 0: 5000 */
};

struct va_http_hdr {
	char	*name;
	char	*value;
};

struct va_http_resp {
	long	status;			/* last HTTP status, 0 if none */
	enum va_http_outcome outcome;
	char	*body;			/* NUL-terminated, may hold NULs */
	size_t	body_len;
	struct va_http_hdr *hdrs;	/* last response's headers */
	size_t	nhdrs;
	int	tries;
	long	elapsed_ms;		/* whole exchange, sleeps included */
	char	error[256];		/* curl's message for transport failures */
};

struct va_http;

/* A client with one reusable connection cache; NULL on failure. */
struct va_http *va_http_new(void);
void	va_http_free(struct va_http *);

/*
 * Perform the request with retries as above. Returns 0 when an HTTP
 * response arrived (whatever its status; see resp->outcome) and -1 when
 * none did (timeout, unreachable, protocol; resp->error says why).
 */
int	va_http_do(struct va_http *, const struct va_http_req *,
	    struct va_http_resp *);
void	va_http_resp_free(struct va_http_resp *);

/*
 * The common case of va_http_do(): a NUL-terminated body (may be NULL),
 * one timeout for connect (at most 3 s) and each try, tries and a budget
 * for the whole exchange, backoff from 100 ms to 2 s. Returns as
 * va_http_do().
 */
int	va_http_simple(struct va_http *, const char *method, const char *url,
	    const char *const *headers, const char *body, const char *userpwd,
	    long timeout_ms, int tries, long budget_ms, struct va_http_resp *);

/*
 * Describe a response for a diagnostic: "WHAT: HTTP 404 (not_found)", or
 * "WHAT: timeout (curl's message)" when none arrived.
 */
void	va_http_describe(const struct va_http_resp *, const char *what,
	    char *buf, size_t size);

/* Value of the last header of that name (case-insensitive), or NULL. */
const char *va_http_header(const struct va_http_resp *, const char *name);

/* "ok", "not_found", "auth", "client", "rate_limited", "server",
 * "timeout", "unreachable", "protocol". */
const char *va_http_outcome_name(enum va_http_outcome);

/* Percent-encode s (RFC 3986 unreserved kept); new string, free() it. */
char	*va_http_escape(const char *s);

/*
 * Parse a Retry-After value (delta seconds, possibly fractional as Shopify
 * sends, or an HTTP-date) into milliseconds from now; -1 if unparseable.
 */
long	va_http_retry_after_ms(const char *value, long long now_ms);

#endif
