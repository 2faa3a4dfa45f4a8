/*
 * asr.c - recognition results (see asr.h).
 */
#include <stdlib.h>
#include <string.h>

#include "asr.h"

int
va_asr_result_add(struct va_asr_result *r, const char *w, size_t len,
    int64_t start_ms, int64_t end_ms, double conf)
{
	struct va_asr_word *nw;
	char *s;

	if (r->nwords == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;

		if ((nw = realloc(r->words, cap * sizeof(*nw))) == NULL)
			return -1;
		r->words = nw;
		r->cap = cap;
	}
	if ((s = malloc(len + 1)) == NULL)
		return -1;
	memcpy(s, w, len);
	s[len] = '\0';
	nw = &r->words[r->nwords++];
	nw->w = s;
	nw->start_ms = start_ms;
	nw->end_ms = end_ms;
	nw->conf = conf;
	return 0;
}

int
va_asr_result_text(struct va_asr_result *r, const char *s, size_t len)
{
	char *t;

	if ((t = malloc(len + 1)) == NULL)
		return -1;
	memcpy(t, s, len);
	t[len] = '\0';
	free(r->text);
	r->text = t;
	return 0;
}

int
va_asr_result_join(struct va_asr_result *r)
{
	size_t i, n = 0;
	char *t;

	if (r->text != NULL)
		return 0;
	for (i = 0; i < r->nwords; i++)
		n += strlen(r->words[i].w) + 1;
	if ((t = malloc(n + 1)) == NULL)
		return -1;
	t[0] = '\0';
	n = 0;
	for (i = 0; i < r->nwords; i++) {
		size_t l = strlen(r->words[i].w);

		if (i > 0)
			t[n++] = ' ';
		memcpy(t + n, r->words[i].w, l);
		n += l;
	}
	t[n] = '\0';
	r->text = t;
	return 0;
}

void
va_asr_result_free(struct va_asr_result *r)
{
	size_t i;

	for (i = 0; i < r->nwords; i++)
		free(r->words[i].w);
	free(r->words);
	free(r->text);
	memset(r, 0, sizeof(*r));
	r->confidence = -1;
}
