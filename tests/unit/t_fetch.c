/*
 * t_fetch.c - unit tests for lib/fetch.c: a wait must end when curl's own
 * timer is due, even when nothing happens on curl's sockets and the
 * caller set no limit.
 *
 * The server is a listening socket of the test's own that never accepts:
 * the kernel completes the connection, curl sends its request, and no
 * answer ever comes, so only curl's timeout (a timer) ends a transfer.
 * Each case runs in a child that is killed after 10 s: on the old code
 * the wait slept in poll(2) for ever. Last, a stop signal must end a wait
 * for transfers alone.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "log.h"
#include "loop.h"
#include "tap.h"

static char url[64];		/* http://127.0.0.1:PORT/ of the silent server */

/* Listen on a loopback port and never accept; the socket stays open. */
static int
silent_server(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int s;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) == -1 ||
	    listen(s, 16) == -1)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(sa.sin_port));
	return s;
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

static struct va_http_req
silent_req(long timeout_ms)
{
	struct va_http_req r;

	memset(&r, 0, sizeof(r));
	r.url = url;
	r.timeout_ms = timeout_ms;
	r.connect_timeout_ms = 2000;
	return r;
}

struct seen {
	struct va_fetch *f;
	int	 first, second;		/* outcomes + 1; 0: no callback yet */
};

static void
on_second(void *arg, struct va_http_resp *r)
{
	struct seen *s = arg;

	s->second = (int)r->outcome + 1;
}

/*
 * The first request's callback starts the second one (which sets curl's
 * timer to "now") and then takes a while, as a callback that writes to a
 * database may: when it returns, that timer is already overdue.
 */
static void
on_first(void *arg, struct va_http_resp *r)
{
	struct seen *s = arg;
	struct va_http_req q = silent_req(200);

	s->first = (int)r->outcome + 1;
	if (va_fetch_start(s->f, &q, on_second, s) == -1)
		_exit(3);
	nap_ms(30);
}

/* Start one request with cb; the multi handle in s->f, or -1. */
static int
start(struct seen *s, long timeout_ms, va_fetch_cb cb)
{
	struct va_http_req q = silent_req(timeout_ms);

	if ((s->f = va_fetch_new(0)) == NULL)
		return -1;
	return va_fetch_start(s->f, &q, cb, s);
}

/* Wait with the caller's limit until no request is left, then free. */
static int
drive(struct seen *s, long limit)
{
	int i, rc = 0;

	for (i = 0; i < 200 && va_fetch_pending(s->f) > 0 && rc == 0; i++)
		if (va_fetch_wait(s->f, -1, limit) == -1)
			rc = -1;
	if (va_fetch_pending(s->f) > 0)
		rc = -1;
	va_fetch_free(s->f);
	return rc;
}

/*
 * In the child: the first request times out while the caller is away, so
 * the next wait finds curl's timer due, runs the callback, and must then
 * go on to poll with no wait at all (the caller's limit, 5 s, is not
 * what ends it). Exit 0 when both requests ended in their timeouts
 * within 200 waits; 2 or 3 for other failures.
 */
static int
overdue_timer_child(void)
{
	struct seen s = { NULL, 0, 0 };
	int i;

	if (start(&s, 300, on_first) == -1)
		return 2;
	/* Connect and send: curl then waits for an answer, on its timer. */
	for (i = 0; i < 4; i++)
		va_fetch_wait(s.f, -1, 25);
	if (s.first != 0)
		return 2;
	nap_ms(500);		/* the caller is busy elsewhere */
	if (drive(&s, 5000) == -1 || s.first != VA_HTTP_TIMEOUT + 1 ||
	    s.second != VA_HTTP_TIMEOUT + 1)
		return 2;
	return 0;
}

/* Run fn in a child; its exit status, or -1 when killed after 10 s. */
static int
in_child(int (*fn)(void))
{
	pid_t pid;
	int i, st;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -2;
	if (pid == 0)
		_exit(fn());
	for (i = 0; i < 1000 && waitpid(pid, &st, WNOHANG) == 0; i++)
		nap_ms(10);
	if (i == 1000) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -3;
}

static void
test_overdue_timer(void)
{
	is_int(in_child(overdue_timer_child), 0,
	    "a timer overdue after the callbacks: no wait, both requests "
	    "time out (-1: stuck in poll for 10 s)");
}

/* A wait with no limit of the caller's still ends on curl's timeout. */
static int
no_limit_child(void)
{
	struct seen s = { NULL, 0, 0 };

	if (start(&s, 200, on_second) == -1 || drive(&s, -1) == -1)
		return 2;
	return s.second == VA_HTTP_TIMEOUT + 1 ? 0 : 2;
}

static void
test_no_limit(void)
{
	is_int(in_child(no_limit_child), 0,
	    "timeout -1: the wait still ends when curl's timer is due");
}

/*
 * A filter at its concurrency limit waits for transfers alone (fd -1).
 * A SIGTERM that lands after its last look at the stop flag (made
 * deterministic: blocked, raised, pending) must end that wait at once,
 * not after the caller's limit (5 s here).
 */
static int
stop_at_limit_child(void)
{
	struct seen s = { NULL, 0, 0 };
	struct timespec t0, t1;
	sigset_t term;
	long ms;

	va_signals_init();
	if (start(&s, 10000, on_second) == -1)
		return 2;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	raise(SIGTERM);
	if (va_stop_requested())
		return 3;	/* blocked: not delivered yet */
	/*
	 * A wait that finds curl's socket ready returns with the signal
	 * still pending (ppoll(2) lets it in only when it interrupts), so
	 * wait as the loop would, until stopped or past the limit.
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		va_fetch_wait(s.f, -1, 5000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	} while (!va_stop_requested() && ms < 5000);
	va_fetch_free(s.f);
	if (!va_stop_requested())
		return 4;
	return ms < 2500 ? 0 : 5;	/* 5: stopped, but late */
}

static void
test_stop_at_limit(void)
{
	is_int(in_child(stop_at_limit_child), 0,
	    "a pending SIGTERM ends a wait for transfers alone at once "
	    "(4: not stopped within the caller's 5 s)");
}

int
main(void)
{
	int s;

	va_log_init("t_fetch");
	if ((s = silent_server()) == -1) {
		printf("Bail out! cannot listen on loopback\n");
		return 1;
	}
	test_overdue_timer();
	test_no_limit();
	test_stop_at_limit();
	close(s);
	return tap_done();
}
