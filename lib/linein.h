/*
 * linein.h - split input into bounded lines, one read(2) at a time.
 *
 * The one place the rules for input lines live, shared by the blocking
 * filter loop (lib/loop.c) and the programs that poll standard input
 * beside their own transfers (va-order -j, va-track -j):
 *
 *	struct va_linein in;
 *	const char *line;
 *	size_t len;
 *	int r;
 *
 *	va_linein_init(&in, fd, 0);
 *	for (;;) {
 *		if ((r = va_linein_fill(&in)) < 0)	(read error: logged)
 *			break;
 *		while ((r = va_linein_next(&in, &line, &len)) != 0)
 *			r == 1 ? use(line, len) : bad();
 *		if (va_linein_eof(&in))
 *			break;
 *	}
 *	va_linein_free(&in);
 *
 * va_linein_fill() reads once (call it when the descriptor is readable,
 * or just call it to block); va_linein_next() hands out the complete
 * lines buffered so far, without the newline, as pointers into the
 * buffer that stay valid until the next fill. At end of input a last
 * line without a newline is a line like any other.
 *
 * A line longer than max_line bytes is not handed out: it is logged once
 * as diag "line_too_long" with its line number and reported by
 * va_linein_next() returning -1, and its rest is skipped up to the next
 * newline, so a runaway producer costs at most about max_line bytes of
 * memory. Lines are numbered from 1, blank and overlong ones included.
 */
#ifndef VA_LINEIN_H
#define VA_LINEIN_H

#include <stddef.h>

struct va_linein {
	char	*buf;
	size_t	 cap, len;	/* buffered bytes: buf[at..len) unread */
	size_t	 at;
	size_t	 max_line;
	long	 lineno;	/* lines handed out or refused so far */
	int	 fd;
	int	 skip;		/* within the rest of an overlong line */
	int	 eof;
};

/*
 * Set up in to read fd with lines of at most max_line bytes (0: the
 * environment's VA_MAX_LINE, else 1 MiB; at most 1 GiB). Dies with 71
 * when out of memory.
 */
void	va_linein_init(struct va_linein *, int fd, size_t max_line);
void	va_linein_free(struct va_linein *);

/*
 * Read once into the buffer. Returns 1 when data came in or the read was
 * interrupted by a signal (EINTR: nothing read), 0 at end of input (from
 * then on va_linein_eof() is true), -1 on a read error, logged as diag
 * "read_error" (exit status 74 is the caller's to give).
 */
int	va_linein_fill(struct va_linein *);

/*
 * The next complete line: 1 with *line and *len set; 0 when no complete
 * line is buffered (fill again, unless at end of input); -1 for a line
 * longer than max_line, logged and dropped.
 */
int	va_linein_next(struct va_linein *, const char **line, size_t *len);

/* Non-zero once end of input was read. */
int	va_linein_eof(const struct va_linein *);

#endif
