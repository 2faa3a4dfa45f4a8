/*
 * fetch.h - many HTTP requests at once over libcurl's multi interface,
 * driven by the caller's poll loop.
 *
 * The concurrent counterpart of http.h: a request is started and its
 * callback runs later, from va_fetch_wait(), when the response (or a
 * failure) is complete. One try per request, with a connect timeout and a
 * total timeout always set; retries, backoff and rate limits are the
 * caller's, since only it knows what else is waiting. Outcomes are
 * classified as in http.h. va_fetch_wait() also watches one descriptor of
 * the caller (standard input of a filter), so a program waits for input
 * and for its backends in one place.
 *
 * The response's elapsed_ms is curl's total time for the transfer.
 *
 * Ownership: the request is copied by va_fetch_start(); the response handed
 * to the callback is the callback's to keep only during the call (it is
 * freed with va_http_resp_free() afterwards).
 */
#ifndef VA_FETCH_H
#define VA_FETCH_H

#include "http.h"

struct va_fetch;

typedef void (*va_fetch_cb)(void *arg, struct va_http_resp *resp);

/* A new multi handle; max_conns caps connections per host (0: none). */
struct va_fetch *va_fetch_new(long max_conns);
/* Abort whatever is in flight (no callbacks run) and free. */
void	va_fetch_free(struct va_fetch *);

/*
 * Start req (method, url, headers, body, userpwd, connect_timeout_ms,
 * timeout_ms are used; the retry fields are not). 0, or -1 when it could
 * not be set up (logged diag "http_setup"; no callback will run).
 */
int	va_fetch_start(struct va_fetch *, const struct va_http_req *req,
	    va_fetch_cb cb, void *arg);

/*
 * Move transfers on, waiting at most timeout_ms (0: do not wait; -1: no
 * limit of the caller's) for activity on them, for curl's own timers, or
 * for fd (-1: none) to become readable; runs the callbacks of finished
 * requests. Returns 1 when fd is readable (or at end of file), 0 when
 * not, -1 on a multi error (logged).
 */
int	va_fetch_wait(struct va_fetch *, int fd, long timeout_ms);

/* Requests in flight. */
int	va_fetch_pending(const struct va_fetch *);

#endif
