/*
 * strbuf.h - a growing string built by appending, for text made piece by
 * piece (replies for speech, ticket bodies, SSML, request URLs and bodies:
 * va_strbuf_addn() takes any bytes, NULs too).
 *
 * A struct va_strbuf starts zeroed ({ 0 }: empty, nothing allocated). When
 * memory runs out, oom is set and every later append does nothing, so a
 * builder appends without checking and looks once at the end
 * (va_strbuf_finish()). While oom is clear, s is NULL or holds len bytes
 * and a NUL.
 *
 * Ownership: the buffer owns s until va_strbuf_finish() hands it over;
 * free(s) releases a buffer that is abandoned.
 */
#ifndef VA_STRBUF_H
#define VA_STRBUF_H

#include <stddef.h>

struct va_strbuf {
	char	*s;
	size_t	len, cap;
	int	oom;		/* memory ran out; appends are ignored */
};

/* Append the n bytes at s (no NUL needed); on no memory, set oom. */
void	va_strbuf_addn(struct va_strbuf *, const char *s, size_t n);
/* Append the string s; on no memory, set oom. */
void	va_strbuf_add(struct va_strbuf *, const char *s);
/*
 * The text built, for the caller to free: "" (new) when nothing was
 * appended, NULL when memory ran out (the buffer is freed).
 */
char	*va_strbuf_finish(struct va_strbuf *);

#endif
