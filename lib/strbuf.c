/*
 * strbuf.c - a growing string built by appending (see strbuf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void
va_strbuf_addn(struct va_strbuf *b, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->s, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
va_strbuf_add(struct va_strbuf *b, const char *s)
{
	va_strbuf_addn(b, s, strlen(s));
}

char *
va_strbuf_finish(struct va_strbuf *b)
{
	if (b->oom) {
		free(b->s);
		b->s = NULL;
		return NULL;
	}
	if (b->s == NULL)
		return strdup("");
	return b->s;
}
