/*
 * fetch.c - concurrent HTTP requests over curl's multi interface (see
 * fetch.h). Besides http.c, the one file that includes curl/curl.h; a
 * request is set up and its response captured as http.c does it
 * (http_curl.h).
 *
 * Transfers are driven with curl_multi_socket_action(): curl names the
 * sockets it wants watched (on_socket) and when it next needs a call
 * (on_timer); the sockets sit in an epoll set, so a wait costs the same
 * whether 2 or 500 transfers are in flight and only the transfers whose
 * sockets are ready are moved on, where curl_multi_perform() would check
 * every one of them.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"
#include "http_curl.h"
#include "log.h"
#include "loop.h"

struct xfer {
	struct va_fetch		*f;
	CURL			*curl;
	struct curl_slist	*hl;
	char			*body;		/* copy of the request body */
	char			*userpwd;
	char			*url;
	struct va_http_resp	 resp;
	struct va_http_sink	 sink;		/* fills resp */
	va_fetch_cb		 cb;
	void			*arg;
	char			 errbuf[CURL_ERROR_SIZE];
	struct xfer		*prev, *next;
};

struct va_fetch {
	CURLM	*multi;
	struct xfer *head;
	int	 n;
	int	 ep;		/* epoll set of curl's sockets */
	int	 timer;		/* curl wants a call at timer_at */
	int64_t	 timer_at;	/* monotonic ms */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* curl says which events it wants on socket s (or that it is done). */
static int
on_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct va_fetch *f = arg;
	struct epoll_event ev;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(f->ep, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(f->multi, s, NULL);
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) |
	    ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
	ev.data.fd = s;
	if (sockp == NULL) {
		if (epoll_ctl(f->ep, EPOLL_CTL_ADD, s, &ev) == -1 &&
		    errno == EEXIST)
			epoll_ctl(f->ep, EPOLL_CTL_MOD, s, &ev);
		curl_multi_assign(f->multi, s, f);
	} else if (epoll_ctl(f->ep, EPOLL_CTL_MOD, s, &ev) == -1 &&
	    errno == ENOENT)
		epoll_ctl(f->ep, EPOLL_CTL_ADD, s, &ev);
	return 0;
}

/* curl wants to be called after timeout_ms (-1: no more). */
static int
on_timer(CURLM *multi, long timeout_ms, void *arg)
{
	struct va_fetch *f = arg;

	(void)multi;
	f->timer = timeout_ms >= 0;
	f->timer_at = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	return 0;
}

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
	if ((f = calloc(1, sizeof(*f))) == NULL)
		goto fail;
	f->ep = -1;
	if ((f->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (f->multi = curl_multi_init()) == NULL)
		goto fail;
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	if (max_conns > 0)
		curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
		    max_conns);
	return f;
fail:
	va_log(VA_ERROR, "http_init", "cannot create a multi handle");
	if (f != NULL && f->ep != -1)
		close(f->ep);
	free(f);
	return NULL;
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
	close(f->ep);
	free(f);
}

int
va_fetch_pending(const struct va_fetch *f)
{
	return f->n;
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
	struct curl_slist *t;
	struct xfer *x;
	CURLcode rc = CURLE_OK;
	CURL *c;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		goto fail;
	x->f = f;
	x->sink.resp = &x->resp;
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
	if (va_http_setopts(c, req, x->url, x->body, x->userpwd, x->hl,
	    x->errbuf, &x->sink) == -1)
		goto fail;
	rc |= curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    req->timeout_ms > 0 ? req->timeout_ms : 10000L);
	rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 3000L);
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
		snprintf(r->error, sizeof(r->error), "%s", x->sink.oom ?
		    "out of memory" : x->errbuf[0] ? x->errbuf :
		    curl_easy_strerror(rc));
		r->status = 0;
		r->body_len = 0;
		va_http_hdrs_clear(r);
	}
	r->outcome = va_http_classify(rc, status, NULL);
	if (r->body == NULL && (r->body = calloc(1, 1)) != NULL)
		x->sink.cap = 1;
	else if (r->body != NULL)
		r->body[r->body_len] = '\0';
	if (x->cb != NULL)
		x->cb(x->arg, r);
	xfer_free(x);
}

/* Run the callbacks of finished transfers. */
static void
done(struct va_fetch *f)
{
	struct xfer *x;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&x);
		if (x != NULL)
			finish(f, x, msg->data.result);
	}
}

static int
act(struct va_fetch *f, curl_socket_t s, int mask)
{
	CURLMcode mc;
	int running;

	if ((mc = curl_multi_socket_action(f->multi, s, mask,
	    &running)) != CURLM_OK) {
		va_log(VA_ERROR, "http_multi", "%s", curl_multi_strerror(mc));
		return -1;
	}
	return 0;
}

/*
 * Until a stop is requested, a wait is the wait of a filter loop, which
 * stops on SIGINT/SIGTERM: it must not sleep through one that lands after
 * the loop's last look at the flag (va_signals_poll(), lib/loop.h), be it
 * waiting for input or, at its concurrency limit, for transfers alone.
 * After a stop, a wait may be the drain of what is in flight, which must
 * not return at once every time: a plain poll.
 */
static int
wait_fds(struct pollfd *pfd, nfds_t n, long timeout_ms)
{
	if (!va_stop_requested())
		return va_signals_poll(pfd, n, (int)timeout_ms);
	return poll(pfd, n, (int)timeout_ms);
}

int
va_fetch_wait(struct va_fetch *f, int fd, long timeout_ms)
{
	struct epoll_event evs[64];
	struct pollfd pfd[2];
	int64_t now;
	int i, n, nfd, mask, ready = 0;

	if (f->n == 0) {
		/* Nothing of curl's to watch: a plain poll on fd. */
		if (fd < 0)
			return 0;
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		if (wait_fds(pfd, 1, timeout_ms) > 0)
			ready = 1;
		return ready;
	}
	now = mono_ms();
	if (f->timer && f->timer_at <= now) {
		/* Transfers just added, or curl's own timeouts. */
		f->timer = 0;
		if (act(f, CURL_SOCKET_TIMEOUT, 0) == -1)
			return -1;
		done(f);
		now = mono_ms();
	}
	/*
	 * A timer that fell due while the callbacks above ran (one that
	 * started a request sets it to now) means no wait at all: a
	 * negative remainder passed on to poll(2) would wait for ever.
	 */
	if (f->timer && (timeout_ms < 0 || f->timer_at - now < timeout_ms))
		timeout_ms = f->timer_at > now ? (long)(f->timer_at - now) : 0;
	if (f->n == 0 && fd < 0)
		return 0;
	pfd[0].fd = f->ep;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	nfd = fd >= 0 ? 2 : 1;
	if (wait_fds(pfd, (nfds_t)nfd, timeout_ms) == -1 &&
	    errno != EINTR) {
		va_log(VA_ERROR, "http_multi", "poll: %s", strerror(errno));
		return -1;
	}
	if (fd >= 0 && pfd[1].revents != 0)
		ready = 1;
	if (pfd[0].revents != 0 &&
	    (n = epoll_wait(f->ep, evs, 64, 0)) > 0) {
		for (i = 0; i < n; i++) {
			mask = ((evs[i].events & EPOLLIN) ? CURL_CSELECT_IN :
			    0) | ((evs[i].events & EPOLLOUT) ?
			    CURL_CSELECT_OUT : 0) | ((evs[i].events &
			    (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
			if (act(f, evs[i].data.fd, mask) == -1)
				return -1;
		}
	}
	if (f->timer && f->timer_at <= mono_ms()) {
		f->timer = 0;
		if (act(f, CURL_SOCKET_TIMEOUT, 0) == -1)
			return -1;
	}
	done(f);
	return ready;
}
