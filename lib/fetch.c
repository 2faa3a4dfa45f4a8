/*
 * fetch.c - concurrent HTTP requests over curl's multi interface (see
 * fetch.h). Besides http.c, the one file that includes curl/curl.h.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "fetch.h"
#include "log.h"

#ifndef VA_VERSION
#define VA_VERSION "0"
#endif

struct xfer {
	struct va_fetch		*f;
	CURL			*curl;
	struct curl_slist	*hl;
	char			*body;		/* copy of the request body */
	char			*userpwd;
	char			*url;
	struct va_http_resp	 resp;
	size_t			 cap, hcap;
	int			 oom;
	va_fetch_cb		 cb;
	void			*arg;
	char			 errbuf[CURL_ERROR_SIZE];
	struct xfer		*prev, *next;
};

struct va_fetch {
	CURLM	*multi;
	struct xfer *head;
	int	 n;
};

static int curl_ready;

struct va_fetch *
va_fetch_new(long max_conns)
{
	struct va_fetch *f;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			va_log(VA_ERROR, "http_init", "curl_global_init failed");
			return NULL;
		}
		curl_ready = 1;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->multi = curl_multi_init()) == NULL) {
		va_log(VA_ERROR, "http_init", "cannot create a multi handle");
		free(f);
		return NULL;
	}
	if (max_conns > 0)
		curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
		    max_conns);
	return f;
}

static void
xfer_free(struct xfer *x)
{
	curl_easy_cleanup(x->curl);
	curl_slist_free_all(x->hl);
	free(x->body);
	free(x->userpwd);
	free(x->url);
	va_http_resp_free(&x->resp);
	free(x);
}

static void
unlink_xfer(struct va_fetch *f, struct xfer *x)
{
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		f->head = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	f->n--;
	curl_multi_remove_handle(f->multi, x->curl);
}

void
va_fetch_free(struct va_fetch *f)
{
	struct xfer *x;

	if (f == NULL)
		return;
	while ((x = f->head) != NULL) {
		unlink_xfer(f, x);
		xfer_free(x);
	}
	curl_multi_cleanup(f->multi);
	free(f);
}

int
va_fetch_pending(const struct va_fetch *f)
{
	return f->n;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct va_http_resp *r = &x->resp;
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
dup_trim(const char *s, size_t n)
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

static void
hdrs_clear(struct va_http_resp *r)
{
	size_t i;

	for (i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	r->nhdrs = 0;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct va_http_resp *r = &x->resp;
	struct va_http_hdr *hd;
	size_t n = size * nmemb, len = n, cap;
	const char *colon;

	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		hdrs_clear(r);
		return n;
	}
	if (len == 0 || (colon = memchr(data, ':', len)) == NULL)
		return n;
	if (r->nhdrs == x->hcap) {
		cap = x->hcap ? x->hcap * 2 : 16;
		if ((hd = realloc(r->hdrs, cap * sizeof(*hd))) == NULL)
			goto oom;
		r->hdrs = hd;
		x->hcap = cap;
	}
	hd = &r->hdrs[r->nhdrs];
	hd->name = dup_trim(data, (size_t)(colon - data));
	hd->value = dup_trim(colon + 1, len - (size_t)(colon - data) - 1);
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

static char *
dup_or_null(const char *s, size_t n)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
va_fetch_start(struct va_fetch *f, const struct va_http_req *req,
    va_fetch_cb cb, void *arg)
{
	const char *const *hp;
	const char *m;
	struct curl_slist *t;
	struct xfer *x;
	CURLcode rc = CURLE_OK;
	CURL *c;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		goto fail;
	x->f = f;
	x->cb = cb;
	x->arg = arg;
	if ((x->curl = c = curl_easy_init()) == NULL ||
	    (x->url = dup_or_null(req->url, strlen(req->url))) == NULL)
		goto fail;
	if (req->body != NULL &&
	    (x->body = dup_or_null(req->body, req->body_len)) == NULL)
		goto fail;
	if (req->userpwd != NULL && (x->userpwd =
	    dup_or_null(req->userpwd, strlen(req->userpwd))) == NULL)
		goto fail;
	for (hp = req->headers; hp != NULL && *hp != NULL; hp++) {
		if ((t = curl_slist_append(x->hl, *hp)) == NULL)
			goto fail;
		x->hl = t;
	}
	rc |= curl_easy_setopt(c, CURLOPT_URL, x->url);
	rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	rc |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	rc |= curl_easy_setopt(c, CURLOPT_USERAGENT, "va/" VA_VERSION);
	rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	rc |= curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    req->timeout_ms > 0 ? req->timeout_ms : 10000L);
	rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 3000L);
	if (x->hl != NULL)
		rc |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hl);
	if (x->userpwd != NULL) {
		rc |= curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		rc |= curl_easy_setopt(c, CURLOPT_USERPWD, x->userpwd);
	}
	m = req->method != NULL ? req->method : req->body != NULL ? "POST" :
	    "GET";
	if (strcmp(m, "GET") == 0)
		rc |= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else {
		rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(x->body != NULL ? req->body_len : 0));
		rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDS,
		    x->body != NULL ? x->body : "");
		if (strcmp(m, "POST") != 0)
			rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
	}
	if (rc != CURLE_OK || curl_multi_add_handle(f->multi, c) != CURLM_OK)
		goto fail;
	x->next = f->head;
	if (f->head != NULL)
		f->head->prev = x;
	f->head = x;
	f->n++;
	return 0;
fail:
	va_log(VA_ERROR, "http_setup", "cannot set up a request");
	if (x != NULL)
		xfer_free(x);
	return -1;
}

static enum va_http_outcome
classify(CURLcode rc, long status)
{
	switch (rc) {
	case CURLE_OK:
		break;
	case CURLE_OPERATION_TIMEDOUT:
		return VA_HTTP_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
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
	if (status == 429)
		return VA_HTTP_RATE_LIMITED;
	if (status >= 400 && status < 500)
		return VA_HTTP_CLIENT;
	if (status >= 500 && status < 600)
		return VA_HTTP_SERVER;
	return VA_HTTP_PROTOCOL;
}

/* Finish one transfer: classify, call back, free. */
static void
finish(struct va_fetch *f, struct xfer *x, CURLcode rc)
{
	struct va_http_resp *r = &x->resp;
	curl_off_t us = 0;
	long status = 0;

	unlink_xfer(f, x);
	r->tries = 1;
	if (curl_easy_getinfo(x->curl, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
		r->elapsed_ms = (long)((us + 500) / 1000);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
		r->status = status;
	} else {
		snprintf(r->error, sizeof(r->error), "%s", x->oom ?
		    "out of memory" : x->errbuf[0] ? x->errbuf :
		    curl_easy_strerror(rc));
		r->status = 0;
		r->body_len = 0;
		hdrs_clear(r);
	}
	r->outcome = classify(rc, status);
	if (r->body == NULL && (r->body = calloc(1, 1)) != NULL)
		x->cap = 1;
	else if (r->body != NULL)
		r->body[r->body_len] = '\0';
	if (x->cb != NULL)
		x->cb(x->arg, r);
	xfer_free(x);
}

int
va_fetch_wait(struct va_fetch *f, int fd, long timeout_ms)
{
	struct curl_waitfd wfd;
	struct xfer *x;
	CURLMsg *msg;
	CURLMcode mc;
	int running, left, nfd = 0, ready = 0;
	struct pollfd pfd;

	memset(&wfd, 0, sizeof(wfd));
	wfd.fd = fd;
	wfd.events = CURL_WAIT_POLLIN;
	if (f->n == 0) {
		/* Nothing of curl's to watch: a plain poll on fd. */
		if (fd < 0)
			return 0;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)timeout_ms) > 0)
			ready = 1;
		return ready;
	}
	mc = curl_multi_perform(f->multi, &running);
	if (mc == CURLM_OK)
		mc = curl_multi_poll(f->multi, fd >= 0 ? &wfd : NULL,
		    fd >= 0 ? 1 : 0, (int)timeout_ms, &nfd);
	if (mc == CURLM_OK)
		mc = curl_multi_perform(f->multi, &running);
	if (mc != CURLM_OK) {
		va_log(VA_ERROR, "http_multi", "%s", curl_multi_strerror(mc));
		return -1;
	}
	if (fd >= 0 && wfd.revents != 0)
		ready = 1;
	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&x);
		if (x != NULL)
			finish(f, x, msg->data.result);
	}
	return ready;
}
