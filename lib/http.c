/*
 * http.c - the HTTP client over libcurl: timeouts, retries with backoff and
 * jitter, Retry-After, outcome classification; see http.h for the
 * contract. With lib/fetch.c the only file that includes curl/curl.h: the
 * request set-up and response capture both use are here (http_curl.h).
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "http_curl.h"
#include "log.h"

#ifndef VA_VERSION
#define VA_VERSION "0"
#endif

struct va_http {
	CURL	*curl;
	char	 errbuf[CURL_ERROR_SIZE];
};

static int curl_ready;

struct va_http *
va_http_new(void)
{
	struct va_http *h;

	/* Once per process; libcurl's global state is never torn down. */
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			va_log(VA_ERROR, "http_init",
			    "curl_global_init failed");
			return NULL;
		}
		curl_ready = 1;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		va_log(VA_ERROR, "http_init", "out of memory");
		return NULL;
	}
	if ((h->curl = curl_easy_init()) == NULL) {
		va_log(VA_ERROR, "http_init", "curl_easy_init failed");
		free(h);
		return NULL;
	}
	return h;
}

void
va_http_free(struct va_http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

void
va_http_hdrs_clear(struct va_http_resp *resp)
{
	size_t i;

	for (i = 0; i < resp->nhdrs; i++) {
		free(resp->hdrs[i].name);
		free(resp->hdrs[i].value);
	}
	resp->nhdrs = 0;
}

void
va_http_resp_free(struct va_http_resp *resp)
{
	if (resp == NULL)
		return;
	va_http_hdrs_clear(resp);
	free(resp->hdrs);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

void
va_http_sink_reset(struct va_http_sink *x)
{
	x->resp->status = 0;
	x->resp->body_len = 0;
	if (x->resp->body != NULL)
		x->resp->body[0] = '\0';
	va_http_hdrs_clear(x->resp);
	x->oom = 0;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct va_http_sink *x = arg;
	struct va_http_resp *r = x->resp;
	size_t n = size * nmemb, cap;
	char *p;

	if (r->body_len + n + 1 > x->cap) {
		cap = x->cap ? x->cap : 4096;
		while (cap < r->body_len + n + 1)
			cap *= 2;
		if ((p = realloc(r->body, cap)) == NULL) {
			x->oom = 1;
			return 0;
		}
		r->body = p;
		x->cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

static char *
strndup_trim(const char *s, size_t n)
{
	char *p;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Append a folded continuation line to the last header's value. */
static int
hdr_fold(struct va_http_resp *r, const char *s, size_t n)
{
	struct va_http_hdr *last = &r->hdrs[r->nhdrs - 1];
	char *more, *v;
	size_t len;

	if ((more = strndup_trim(s, n)) == NULL)
		return -1;
	len = strlen(last->value);
	if ((v = realloc(last->value, len + strlen(more) + 2)) == NULL) {
		free(more);
		return -1;
	}
	v[len] = ' ';
	strcpy(v + len + 1, more);
	last->value = v;
	free(more);
	return 0;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct va_http_sink *x = arg;
	struct va_http_resp *r = x->resp;
	struct va_http_hdr *hd;
	size_t n = size * nmemb, len = n, cap;
	const char *colon;

	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	/* A status line starts a block: an interim 1xx one is forgotten. */
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		va_http_hdrs_clear(r);
		return n;
	}
	if (len == 0)
		return n;
	if (data[0] == ' ' || data[0] == '\t') {
		if (r->nhdrs > 0 && hdr_fold(r, data, len) == -1)
			goto oom;
		return n;
	}
	if ((colon = memchr(data, ':', len)) == NULL)
		return n;
	if (r->nhdrs == x->hcap) {
		cap = x->hcap ? x->hcap * 2 : 16;
		if ((hd = realloc(r->hdrs, cap * sizeof(*hd))) == NULL)
			goto oom;
		r->hdrs = hd;
		x->hcap = cap;
	}
	hd = &r->hdrs[r->nhdrs];
	hd->name = strndup_trim(data, (size_t)(colon - data));
	hd->value = strndup_trim(colon + 1, len - (size_t)(colon - data) - 1);
	if (hd->name == NULL || hd->value == NULL) {
		free(hd->name);
		free(hd->value);
		goto oom;
	}
	r->nhdrs++;
	return n;
oom:
	x->oom = 1;
	return 0;
}

const char *
va_http_header(const struct va_http_resp *resp, const char *name)
{
	size_t i;

	for (i = resp->nhdrs; i > 0; i--)
		if (strcasecmp(resp->hdrs[i - 1].name, name) == 0)
			return resp->hdrs[i - 1].value;
	return NULL;
}

const char *
va_http_outcome_name(enum va_http_outcome o)
{
	static const char *const names[] = {
		"ok", "not_found", "auth", "client", "rate_limited",
		"server", "timeout", "unreachable", "protocol"
	};

	if ((unsigned)o >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[o];
}

char *
va_http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char *out, *p;

	if ((out = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (p = out; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) && c < 0x80)
			*p++ = (char)c;
		else if (c == '-' || c == '.' || c == '_' || c == '~')
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

long
va_http_retry_after_ms(const char *value, long long now_ms)
{
	const char *s;
	long long ms = 0, frac = 100;
	time_t t;

	if (value == NULL)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (isdigit((unsigned char)*value)) {
		/* Delta seconds; a fraction is read to the millisecond. */
		for (s = value; isdigit((unsigned char)*s); s++)
			if (ms < 86400LL * 365 * 1000)
				ms = ms * 10 + (*s - '0') * 1000;
		if (*s == '.')
			for (s++; isdigit((unsigned char)*s); s++, frac /= 10)
				ms += (*s - '0') * frac;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '\0')
			return -1;
		return ms > LONG_MAX ? LONG_MAX : (long)ms;
	}
	if ((t = curl_getdate(value, NULL)) == -1)
		return -1;
	ms = (long long)t * 1000 - now_ms;
	return ms < 0 ? 0 : ms > LONG_MAX ? LONG_MAX : (long)ms;
}

/* The URL as logged: no userinfo, no query string, no fragment. */
static void
url_for_log(const char *url, char *out, size_t cap)
{
	const char *host, *at, *end;
	size_t n;

	host = strstr(url, "://");
	host = host != NULL ? host + 3 : url;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	n = (size_t)(host - url);
	snprintf(out, cap, "%.*s%.*s", (int)n, url,
	    (int)strcspn(at ? at + 1 : host, "?#"), at ? at + 1 : host);
}

enum va_http_outcome
va_http_classify(CURLcode rc, long status, int *retry)
{
	int dummy;

	if (retry == NULL)
		retry = &dummy;
	*retry = 0;
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_OPERATION_TIMEDOUT:
		*retry = 1;
		return VA_HTTP_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		*retry = 1;
		return VA_HTTP_UNREACHABLE;
	case CURLE_COULDNT_RESOLVE_PROXY:
		return VA_HTTP_UNREACHABLE;
	default:
		return VA_HTTP_PROTOCOL;
	}
	if (status >= 200 && status < 300)
		return VA_HTTP_OK;
	if (status == 404 || status == 410)
		return VA_HTTP_NOT_FOUND;
	if (status == 401 || status == 403)
		return VA_HTTP_AUTH;
	if (status == 429) {
		*retry = 1;
		return VA_HTTP_RATE_LIMITED;
	}
	if (status >= 400 && status < 500)
		return VA_HTTP_CLIENT;
	if (status >= 500 && status < 600) {
		*retry = 1;
		return VA_HTTP_SERVER;
	}
	/* A redirect (never followed) or a status outside the classes. */
	return VA_HTTP_PROTOCOL;
}

int
va_http_setopts(CURL *c, const struct va_http_req *req, const char *url,
    const char *body, const char *userpwd, struct curl_slist *hl,
    char *errbuf, struct va_http_sink *x)
{
	const char *m = req->method;
	CURLcode rc = CURLE_OK;

	/* Any failed option leaves rc non-zero. */
	rc |= curl_easy_setopt(c, CURLOPT_URL, url);
	rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, "va/" VA_VERSION);
	rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	if (hl != NULL)
		rc |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (userpwd != NULL) {
		rc |= curl_easy_setopt(c, CURLOPT_HTTPAUTH,
		    (long)CURLAUTH_BASIC);
		rc |= curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
	}
	if (m == NULL)
		m = body != NULL ? "POST" : "GET";
	if (strcmp(m, "HEAD") == 0)
		rc |= curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(m, "GET") == 0)
		rc |= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else if (strcmp(m, "POST") == 0 || body != NULL) {
		rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(body != NULL ? req->body_len : 0));
		rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDS,
		    body != NULL ? body : "");
	}
	if (strcmp(m, "GET") != 0 && strcmp(m, "POST") != 0 &&
	    strcmp(m, "HEAD") != 0)
		rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
	return rc == CURLE_OK ? 0 : -1;
}

/* The next delay: full jitter, raised to Retry-After when there is one. */
static long
next_delay(const struct va_http_resp *resp, long base, long max, int try)
{
	const char *ra;
	long cap, ms, ra_ms;

	cap = base;
	while (--try > 0 && cap < max)
		cap = cap > LONG_MAX / 2 ? LONG_MAX : cap * 2;
	if (cap > max)
		cap = max;
	ms = (long)(va_rand_unit() * (double)cap);
	if (resp->status != 0 &&
	    (ra = va_http_header(resp, "Retry-After")) != NULL) {
		ra_ms = va_http_retry_after_ms(ra, va_clock_ms());
		if (ra_ms > ms)
			ms = ra_ms;
	}
	return ms;
}

static long
elapsed_ms(int64_t start_us)
{
	return (long)((va_mono_us() - start_us) / 1000);
}

int
va_http_do(struct va_http *h, const struct va_http_req *req,
    struct va_http_resp *resp)
{
	struct va_http_sink x;
	struct curl_slist *hl = NULL, *t;
	const char *const *hp;
	const char *method;
	char url[512], why[128];
	long conn_ms, try_ms, budget, base, bmax, left, delay, status;
	int max_tries, retry, ret = -1;
	int64_t start;
	CURLcode rc;

	memset(resp, 0, sizeof(*resp));
	memset(&x, 0, sizeof(x));
	x.resp = resp;
	start = va_mono_us();
	conn_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 3000;
	try_ms = req->timeout_ms > 0 ? req->timeout_ms : 10000;
	max_tries = req->max_tries > 0 ? req->max_tries : 3;
	budget = req->total_budget_ms > 0 ? req->total_budget_ms : 30000;
	base = req->backoff_base_ms > 0 ? req->backoff_base_ms : 200;
	bmax = req->backoff_max_ms > 0 ? req->backoff_max_ms : 5000;
	method = req->method ? req->method : req->body ? "POST" : "GET";
	url_for_log(req->url, url, sizeof(url));

	for (hp = req->headers; hp != NULL && *hp != NULL; hp++) {
		if ((t = curl_slist_append(hl, *hp)) == NULL)
			goto oom;
		hl = t;
	}
	/* curl_easy_reset keeps the connection cache. */
	curl_easy_reset(h->curl);
	if (va_http_setopts(h->curl, req, req->url, req->body, req->userpwd,
	    hl, h->errbuf, &x) == -1) {
		snprintf(resp->error, sizeof(resp->error),
		    "cannot set up the request");
		va_log(VA_ERROR, "http_setup", "%s %s: %s", method, url,
		    resp->error);
		resp->outcome = VA_HTTP_PROTOCOL;
		goto done;
	}

	for (;;) {
		va_http_sink_reset(&x);
		h->errbuf[0] = '\0';
		resp->tries++;
		/* A try never runs past the budget, however little is left. */
		left = budget - elapsed_ms(start);
		if (left < 1)
			left = 1;
		curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS,
		    try_ms < left ? try_ms : left);
		curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
		    conn_ms < left ? conn_ms : left);
		rc = curl_easy_perform(h->curl);
		if (rc == CURLE_OK) {
			curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
			    &status);
			resp->status = status;
			snprintf(why, sizeof(why), "status %ld", status);
			resp->error[0] = '\0';
			ret = 0;
		} else {
			if (x.oom)
				snprintf(resp->error, sizeof(resp->error),
				    "out of memory");
			else
				snprintf(resp->error, sizeof(resp->error),
				    "%s", h->errbuf[0] ? h->errbuf :
				    curl_easy_strerror(rc));
			snprintf(why, sizeof(why), "curl error %d (%s)",
			    (int)rc, curl_easy_strerror(rc));
			ret = -1;
		}
		resp->outcome = va_http_classify(rc, resp->status, &retry);
		if (!retry || resp->tries >= max_tries)
			break;
		delay = next_delay(resp, base, bmax, resp->tries);
		if (delay >= budget - elapsed_ms(start))
			break;
		va_log(VA_INFO, "http_retry",
		    "%s %s: %s, try %d of %d, retrying in %ld ms",
		    method, url, why, resp->tries, max_tries, delay);
		va_sleep_ms(delay);
	}
	goto done;
oom:
	snprintf(resp->error, sizeof(resp->error), "out of memory");
	va_log(VA_ERROR, "http_setup", "%s %s: %s", method, url, resp->error);
	resp->outcome = VA_HTTP_PROTOCOL;
done:
	/* Nothing arrived: no status, no half a response. */
	if (ret == -1)
		va_http_sink_reset(&x);
	if (resp->body == NULL && (resp->body = calloc(1, 1)) != NULL)
		x.cap = 1;
	resp->elapsed_ms = elapsed_ms(start);
	curl_slist_free_all(hl);
	return ret;
}

int
va_http_simple(struct va_http *h, const char *method, const char *url,
    const char *const *headers, const char *body, const char *userpwd,
    long timeout_ms, int tries, long budget_ms, struct va_http_resp *resp)
{
	struct va_http_req req = { 0 };

	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.userpwd = userpwd;
	req.timeout_ms = timeout_ms;
	req.connect_timeout_ms = timeout_ms < 3000 ? timeout_ms : 0;
	req.max_tries = tries;
	req.total_budget_ms = budget_ms;
	req.backoff_base_ms = 100;
	req.backoff_max_ms = 2000;
	return va_http_do(h, &req, resp);
}

void
va_http_describe(const struct va_http_resp *resp, const char *what,
    char *buf, size_t size)
{
	if (resp->status != 0)
		snprintf(buf, size, "%s: HTTP %ld (%s)", what, resp->status,
		    va_http_outcome_name(resp->outcome));
	else
		snprintf(buf, size, "%s: %s (%.160s)", what,
		    va_http_outcome_name(resp->outcome), resp->error);
}
