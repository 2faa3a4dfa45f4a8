/*
 * loop.c - the filter loop (see loop.h).
 *
 * Input is read in large blocks and split at newlines without copying
 * (lib/linein.c, which also bounds lines); a line is handed on as a
 * pointer into its buffer. Output is flushed before every read(2), which
 * is exactly "whenever the program would wait for input": a slow producer
 * sees every answer at once, and a fast one pays one write per block
 * rather than one per line.
 *
 * Stopping on SIGINT/SIGTERM without a window: the handler only sets a
 * flag, and a loop that looks at the flag and then blocks in read(2)
 * would sleep through a signal that lands between the two, until the
 * next input arrives (forever on an idle pipe). So the loop does not
 * block in read(2): it waits in va_signals_poll(), which blocks the two
 * signals, looks at the flag, and lets them in only inside ppoll(2),
 * atomically; a signal that came after the look is pending and ends the
 * wait at once. The read that follows finds data or end of input.
 */
#define _GNU_SOURCE	/* ppoll(2): glibc declares it only for GNU */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "linein.h"
#include "log.h"
#include "loop.h"
#include "out.h"

static volatile sig_atomic_t stop_flag;
static long nlines, nbad;

static void
on_signal(int sig)
{
	stop_flag = sig;
}

void
va_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: a blocked read returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int
va_stop_requested(void)
{
	return stop_flag != 0;
}

int
va_signals_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	struct timespec ts, *tp = NULL;
	sigset_t stop, old, during;
	int r, saved;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &stop, &old) == -1)
		return poll(fds, nfds, timeout_ms);
	if (stop_flag) {
		r = -1;
		saved = EINTR;
	} else {
		if (timeout_ms >= 0) {
			ts.tv_sec = timeout_ms / 1000;
			ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
			tp = &ts;
		}
		/*
		 * Let them in even when the caller keeps them blocked
		 * outside its waits: a stop that is pending ends it at once.
		 */
		during = old;
		sigdelset(&during, SIGINT);
		sigdelset(&during, SIGTERM);
		r = ppoll(fds, nfds, tp, &during);
		saved = errno;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return r;
}

/*
 * Wait until fd has input, end of input or an error for read(2) to tell,
 * or until a stop is requested.
 */
static void
wait_input(int fd)
{
	struct pollfd p;

	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	/* EINTR from another signal's handler: not a reason to read. */
	while (va_signals_poll(&p, 1, -1) == -1 && errno == EINTR &&
	    !stop_flag)
		;
}

long
va_filter_lines(void)
{
	return nlines;
}

long
va_filter_bad_lines(void)
{
	return nbad;
}

static int
handles(const struct va_filter *f, const char *type)
{
	const char *const *t;

	if (f->types == NULL)
		return 1;
	for (t = f->types; *t != NULL; t++)
		if (strcmp(*t, type) == 0)
			return 1;
	return 0;
}

static int
blank(const char *p, size_t n)
{
	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r')) {
		p++;
		n--;
	}
	return n == 0;
}

/* Handle one line; returns 0 to go on, else an exit status (-1: bad). */
static int
one_line(const struct va_filter *f, struct va_event *ev, const char *line,
    size_t len)
{
	const char *why;
	int rc;

	if (len == 0 || blank(line, len))
		return 0;
	ev->lineno = nlines;
	if (va_event_parse(ev, line, len, &why) < 0) {
		nbad++;
		if (ev->js.err != NULL)
			va_log(VA_WARN, "bad_line", "line %ld: %s (at byte %zu)",
			    nlines, why, ev->js.errpos);
		else
			va_log(VA_WARN, "bad_line", "line %ld: %s", nlines, why);
		return -1;
	}
	if (!handles(f, ev->type)) {
		va_out_write(line, len);
		va_out_putc('\n');
		return 0;
	}
	rc = f->handle(ev, f->arg);
	return rc > 0 ? rc : 0;
}

int
va_filter_run(const struct va_filter *f)
{
	struct va_event ev;
	struct va_linein in;
	const char *line;
	size_t n;
	int r, rc, status = 0;

	memset(&ev, 0, sizeof(ev));
	/* Line numbers are those of this input, from 1. */
	nlines = nbad = 0;
	va_linein_init(&in, f->fd, f->max_line);
	va_signals_init();

	while (!va_linein_eof(&in)) {
		va_out_flush();
		wait_input(in.fd);
		if (stop_flag)
			break;
		if ((r = va_linein_fill(&in)) == -1) {
			status = 74;
			break;
		}
		while ((r = va_linein_next(&in, &line, &n)) != 0) {
			nlines = in.lineno;
			if (r == -1) {
				nbad++;	/* longer than max_line, logged */
				rc = -1;
			} else
				rc = one_line(f, &ev, line, n);
			if (rc == -1) {
				status = 65;
				if (f->strict)
					goto done;
			} else if (rc > 0) {
				status = rc;
				goto done;
			}
			if (stop_flag)
				goto done;
		}
	}
	if (!stop_flag && f->finish != NULL && (rc = f->finish(f->arg)) > 0)
		status = rc;
done:
	va_out_flush();
	va_linein_free(&in);
	va_jscan_free(&ev.js);
	if (stop_flag && status == 65)
		return 65;
	return stop_flag ? 0 : status;
}
