/*
 * loop.c - the filter loop (see loop.h).
 *
 * Input is read in large blocks into one buffer and split at newlines
 * without copying; a line is handed on as a pointer into the buffer. Output
 * is flushed before every read(2), which is exactly "whenever the program
 * would wait for input": a slow producer sees every answer at once, and a
 * fast one pays one write per block rather than one per line.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "out.h"

#define READ_SIZE	(64 * 1024)
#define DEFAULT_MAX_LINE (1024 * 1024)
#define MAX_MAX_LINE	((size_t)1 << 30)	/* no line bound above 1 GiB */

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

	nlines++;
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
	size_t max_line, cap, len = 0, start, skip = 0;
	char *buf, *nl, *tmp;
	const char *s;
	ssize_t r;
	int rc, status = 0, eof = 0;

	memset(&ev, 0, sizeof(ev));
	/* Line numbers are those of this input, from 1. */
	nlines = nbad = 0;
	max_line = f->max_line;
	if (max_line == 0 && (s = getenv("VA_MAX_LINE")) != NULL)
		max_line = (size_t)strtoul(s, NULL, 10);
	if (max_line == 0)
		max_line = DEFAULT_MAX_LINE;
	if (max_line > MAX_MAX_LINE)
		max_line = MAX_MAX_LINE;
	cap = READ_SIZE * 2;
	if ((buf = malloc(cap)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	va_signals_init();

	while (!eof) {
		va_out_flush();
		if (stop_flag)
			break;
		if (cap - len < READ_SIZE && len < max_line + 1) {
			cap *= 2;
			if ((tmp = realloc(buf, cap)) == NULL)
				va_die(71, "out_of_memory", "out of memory");
			buf = tmp;
		}
		r = read(f->fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			va_log(VA_ERROR, "read_error", "cannot read input: %s",
			    strerror(errno));
			status = 74;
			break;
		}
		if (r == 0) {
			eof = 1;
			if (len > 0 && skip == 0)
				buf[len++] = '\n';	/* last line, unterminated */
			else
				len = 0;
		} else
			len += (size_t)r;

		start = 0;
		while (start < len && (nl = memchr(buf + start, '\n',
		    len - start)) != NULL) {
			size_t n = (size_t)(nl - (buf + start));

			if (skip) {
				/* The rest of an overlong line. */
				skip = 0;
				start += n + 1;
				continue;
			}
			if (n > max_line) {
				nlines++;
				nbad++;
				va_log(VA_WARN, "line_too_long",
				    "line %ld: longer than %zu bytes", nlines,
				    max_line);
				rc = -1;
			} else
				rc = one_line(f, &ev, buf + start, n);
			start += n + 1;
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
		if (start > 0) {
			memmove(buf, buf + start, len - start);
			len -= start;
		}
		if (len > max_line) {
			/* Drop the overlong head and skip to its newline. */
			if (!skip) {
				nlines++;
				nbad++;
				va_log(VA_WARN, "line_too_long",
				    "line %ld: longer than %zu bytes", nlines,
				    max_line);
				status = 65;
				if (f->strict)
					goto done;
			}
			skip = 1;
			len = 0;
		}
	}
	if (!stop_flag && f->finish != NULL && (rc = f->finish(f->arg)) > 0)
		status = rc;
done:
	va_out_flush();
	free(buf);
	va_jscan_free(&ev.js);
	if (stop_flag && status == 65)
		return 65;
	return stop_flag ? 0 : status;
}
