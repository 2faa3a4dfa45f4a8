/*
 * linein.c - bounded input lines, one read(2) at a time (see linein.h).
 *
 * Input is read in large blocks into one buffer and split at newlines
 * without copying. Before each read the unread tail moves to the front of
 * the buffer; the buffer grows while the tail could still become a line
 * of at most max_line bytes, and a tail longer than that is dropped at
 * once, so the buffer never holds much more than max_line bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linein.h"
#include "log.h"

#define READ_SIZE	(64 * 1024)
#define DEFAULT_MAX_LINE (1024 * 1024)
#define MAX_MAX_LINE	((size_t)1 << 30)	/* no line bound above 1 GiB */

static void
grow(struct va_linein *in)
{
	char *tmp;

	if ((tmp = realloc(in->buf, in->cap * 2)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
	in->buf = tmp;
	in->cap *= 2;
}

void
va_linein_init(struct va_linein *in, int fd, size_t max_line)
{
	const char *s;

	memset(in, 0, sizeof(*in));
	in->fd = fd;
	if (max_line == 0 && (s = getenv("VA_MAX_LINE")) != NULL)
		max_line = (size_t)strtoul(s, NULL, 10);
	if (max_line == 0)
		max_line = DEFAULT_MAX_LINE;
	if (max_line > MAX_MAX_LINE)
		max_line = MAX_MAX_LINE;
	in->max_line = max_line;
	in->cap = READ_SIZE * 2;
	if ((in->buf = malloc(in->cap)) == NULL)
		va_die(71, "out_of_memory", "out of memory");
}

void
va_linein_free(struct va_linein *in)
{
	free(in->buf);
	in->buf = NULL;
	in->cap = in->len = in->at = 0;
}

int
va_linein_eof(const struct va_linein *in)
{
	return in->eof;
}

int
va_linein_fill(struct va_linein *in)
{
	ssize_t r;

	if (in->eof)
		return 0;
	if (in->at > 0) {
		memmove(in->buf, in->buf + in->at, in->len - in->at);
		in->len -= in->at;
		in->at = 0;
	}
	if (in->cap - in->len < READ_SIZE && in->len < in->max_line + 1)
		grow(in);
	if (in->len == in->cap)
		grow(in);	/* lines not taken out yet: room to read */
	r = read(in->fd, in->buf + in->len, in->cap - in->len);
	if (r < 0) {
		if (errno == EINTR)
			return 1;
		va_log(VA_ERROR, "read_error", "cannot read input: %s",
		    strerror(errno));
		return -1;
	}
	if (r > 0) {
		in->len += (size_t)r;
		return 1;
	}
	in->eof = 1;
	if (in->len > 0 && !in->skip)
		in->buf[in->len++] = '\n';	/* last line, unterminated */
	else
		in->len = 0;
	return 0;
}

/* Count and log a line longer than max_line. */
static int
too_long(struct va_linein *in)
{
	in->lineno++;
	va_log(VA_WARN, "line_too_long", "line %ld: longer than %zu bytes",
	    in->lineno, in->max_line);
	return -1;
}

int
va_linein_next(struct va_linein *in, const char **line, size_t *len)
{
	char *p, *nl;
	size_t n;

	for (;;) {
		p = in->buf + in->at;
		nl = in->at < in->len ? memchr(p, '\n', in->len - in->at) :
		    NULL;
		if (nl == NULL) {
			if (in->len - in->at <= in->max_line)
				return 0;
			/* Drop the overlong head and skip to its newline. */
			in->at = in->len = 0;
			if (in->skip)
				return 0;
			in->skip = 1;
			return too_long(in);
		}
		n = (size_t)(nl - p);
		in->at += n + 1;
		if (in->skip) {
			/* The rest of an overlong line. */
			in->skip = 0;
			continue;
		}
		if (n > in->max_line)
			return too_long(in);
		in->lineno++;
		*line = p;
		*len = n;
		return 1;
	}
}
