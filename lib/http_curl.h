/*
 * http_curl.h - what the two modules over libcurl share: lib/http.c (one
 * request at a time, with retries) and lib/fetch.c (many at once). Both
 * set a request up the same way and capture the response into a
 * va_http_resp through a sink; outcomes are classified alike. Only those
 * two files include this header, and with it curl/curl.h.
 */
#ifndef VA_HTTP_CURL_H
#define VA_HTTP_CURL_H

#include <curl/curl.h>

#include "http.h"

/* What curl's write and header callbacks fill during one try. */
struct va_http_sink {
	struct va_http_resp	*resp;
	size_t			 cap;	/* of resp->body */
	size_t			 hcap;	/* of resp->hdrs */
	int			 oom;	/* a callback ran out of memory */
};

/* Forget a try's response (status, body, headers), keeping allocations. */
void	va_http_sink_reset(struct va_http_sink *);
void	va_http_hdrs_clear(struct va_http_resp *);

/*
 * The options every request gets: url, method and body (not copied: they
 * must outlive the transfer), Basic credentials, headers, the sink, and
 * curl's error text into errbuf (CURL_ERROR_SIZE). Timeouts are the
 * caller's. -1 when an option was refused.
 */
int	va_http_setopts(CURL *, const struct va_http_req *, const char *url,
	    const char *body, const char *userpwd, struct curl_slist *hl,
	    char *errbuf, struct va_http_sink *);

/* The outcome of a try; *retry (may be NULL) whether another may differ. */
enum va_http_outcome va_http_classify(CURLcode, long status, int *retry);

#endif
