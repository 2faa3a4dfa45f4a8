/*
 * loop.c - the filter loop (see loop.h).
 *
 * Input is read in large blocks and split at newlines without copying
 * (lib/linein.c, which also bounds lines); a line is handed on as a
 * pointer into its buffer. Output is flushed before every read(2), which
 * is exactly "whenever the program would wait for input": a slow producer
 * sees every answer at once, and a fast one pays one write per block
 * rather than one per line.
 */
#include <signal.h>
#include <string.h>

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
