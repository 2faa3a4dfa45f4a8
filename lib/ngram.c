/*
 * ngram.c - normalisation, hashed n-gram features, vocabulary (see
 * ngram.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ngram.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL
#define MAXTEXT		4096
#define MAXWORDS	512

size_t
va_feat_normalize(const char *in, size_t len, char *out, size_t outsz)
{
	size_t i, o = 0;
	unsigned char c;
	int space = 1;

	if (outsz == 0)
		return 0;
	for (i = 0; i < len && o + 1 < outsz; i++) {
		c = (unsigned char)in[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (c >= '0' && c <= '9')
			c = '0';
		if ((c >= 'a' && c <= 'z') || c == '0' || c == '\'' ||
		    c >= 0x80) {
			out[o++] = (char)c;
			space = 0;
		} else if (!space) {
			out[o++] = ' ';
			space = 1;
		}
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	return o;
}

static uint64_t
fnv(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

static int
push(struct va_fvec *fv, uint64_t key)
{
	struct va_fkey *nv;
	size_t ncap;

	if ((key & ~((uint64_t)3 << 62)) == 0)
		key++;
	if (fv->n == fv->cap) {
		ncap = fv->cap ? fv->cap * 2 : 256;
		if ((nv = realloc(fv->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		fv->v = nv;
		fv->cap = ncap;
	}
	fv->v[fv->n].key = key;
	fv->v[fv->n++].count = 1;
	return 0;
}

static int
cmp_key(const void *a, const void *b)
{
	uint64_t x = ((const struct va_fkey *)a)->key;
	uint64_t y = ((const struct va_fkey *)b)->key;

	return x < y ? -1 : x > y;
}

/* Length of word w[0..n) without a common suffix ("cards", "arrived"). */
static size_t
stem_len(const char *w, size_t n)
{
	static const char *const suf[] = { "ing", "ed", "es", "s", "ly",
		NULL };
	size_t k, sl;

	if (n > 0 && w[n - 1] == '\'')
		n--;
	for (k = 0; suf[k] != NULL; k++) {
		sl = strlen(suf[k]);
		if (n >= sl + 3 && memcmp(w + n - sl, suf[k], sl) == 0 &&
		    !(sl == 1 && w[n - 2] == 's')) {
			n -= sl;
			break;
		}
	}
	/* "charge", "charged" and "charging" all become "charg". */
	if (n >= 4 && w[n - 1] == 'e')
		n--;
	return n;
}

static int
is_stop(const char *w, size_t n)
{
	static const char *const stop[] = { "a", "an", "the", "i", "my",
		"me", "to", "is", "it", "of", "for", "and", "or", "in", "on",
		"do", "can", "you", "be", "this", "that", "was", "have", "am",
		"are", "at", "with", "what", "how", "so", "just", "please",
		"there", "your", "will", "would", "could", NULL };
	int k;

	for (k = 0; stop[k] != NULL; k++)
		if (strlen(stop[k]) == n && memcmp(stop[k], w, n) == 0)
			return 1;
	return 0;
}

/* Contractions written without their apostrophe, and what they mean. */
static const char *const bare[][2] = {
	{ "dont", "do not" }, { "didnt", "did not" }, { "doesnt", "does not" },
	{ "cant", "can not" }, { "wont", "will not" }, { "isnt", "is not" },
	{ "arent", "are not" }, { "wasnt", "was not" },
	{ "werent", "were not" }, { "havent", "have not" },
	{ "hasnt", "has not" }, { "hadnt", "had not" },
	{ "couldnt", "could not" }, { "wouldnt", "would not" },
	{ "shouldnt", "should not" }, { "aint", "is not" },
	{ "im", "i am" }, { "ive", "i have" }, { "cannot", "can not" },
	{ NULL, NULL }
};

/* Append n bytes of s to out[*o], leaving room for the NUL; 0 or -1. */
static int
put(char *out, size_t *o, size_t outsz, const char *s, size_t n)
{
	if (*o + n + 1 >= outsz)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	return 0;
}

/*
 * Rewrite the normalised words of in[0..len) into out (see VA_FEAT_EXPAND);
 * returns the new length. Words that do not fit are left out. "'s" stays
 * as it is: "is", "has" or a possessive, it cannot be told.
 */
static size_t
expand(const char *in, size_t len, char *out, size_t outsz)
{
	static const char *const suf[][2] = { { "n't", " not" },
		{ "'ve", " have" }, { "'re", " are" }, { "'ll", " will" },
		{ "'m", " am" }, { "'d", " would" }, { NULL, NULL } };
	size_t i = 0, j, n, o = 0, k, sl;
	const char *w, *tail;

	while (i < len) {
		for (j = i; j < len && in[j] != ' '; j++)
			;
		w = in + i;
		n = j - i;
		tail = "";
		for (k = 0; suf[k][0] != NULL; k++) {
			sl = strlen(suf[k][0]);
			if (n > sl && memcmp(w + n - sl, suf[k][0], sl) == 0) {
				n -= sl;
				tail = suf[k][1];
				break;
			}
		}
		/* "can't", "won't" and "shan't" lose more than "n't". */
		if (k == 0 && n == 2 && memcmp(w, "ca", 2) == 0)
			n = 3;
		else if (k == 0 && n == 2 && memcmp(w, "wo", 2) == 0) {
			w = "will";
			n = 4;
		} else if (k == 0 && n == 3 && memcmp(w, "sha", 3) == 0) {
			w = "shall";
			n = 5;
		}
		for (k = 0; bare[k][0] != NULL; k++)
			if (strlen(bare[k][0]) == n &&
			    memcmp(w, bare[k][0], n) == 0) {
				w = bare[k][1];
				n = strlen(w);
				break;
			}
		if (n > 0 && ((o > 0 && put(out, &o, outsz, " ", 1) == -1) ||
		    put(out, &o, outsz, w, n) == -1 ||
		    put(out, &o, outsz, tail, strlen(tail)) == -1))
			break;
		i = j + 1;
	}
	out[o] = '\0';
	return o;
}

/* Character n-grams of buf[from..to). */
static int
char_grams(const struct va_feat_opts *o, const char *buf, size_t from,
    size_t to, struct va_fvec *fv)
{
	size_t i;
	uint64_t h;
	int n;

	for (i = from; i < to; i++)
		for (n = o->char_min; n <= o->char_max &&
		    i + (size_t)n <= to; n++) {
			/* A lone space is no feature. */
			if (n == 1 && buf[i] == ' ')
				continue;
			h = fnv(FNV_OFFSET ^ 0x5bd1e995, buf + i, (size_t)n);
			if (push(fv, (h >> 2) | ((uint64_t)1 << 62)) == -1)
				return -1;
		}
	return 0;
}

long
va_feat_extract(const struct va_feat_opts *o, const char *text,
    struct va_fvec *fv)
{
	char buf[MAXTEXT + 2], raw[MAXTEXT], raw2[MAXTEXT];
	size_t len, i, j, k, nw = 0, ws[MAXWORDS];
	uint64_t h, wh[MAXWORDS];
	char stop[MAXWORDS];
	int n;

	fv->n = 0;
	buf[0] = ' ';
	if (o->flags & VA_FEAT_EXPAND) {
		/* "$" is the word dollar, then contractions are expanded. */
		for (i = 0, j = 0; text[i] != '\0' && j + 9 < MAXTEXT; i++)
			if (text[i] == '$') {
				memcpy(raw + j, " dollar ", 8);
				j += 8;
			} else
				raw[j++] = text[i];
		raw[j] = '\0';
		len = va_feat_normalize(raw, j, raw2, MAXTEXT);
		len = expand(raw2, len, buf + 1, MAXTEXT) + 1;
	} else
		len = va_feat_normalize(text, strlen(text), buf + 1,
		    MAXTEXT) + 1;
	buf[len++] = ' ';
	buf[len] = '\0';

	/* Word boundaries in buf. */
	for (i = 1; i < len && nw < MAXWORDS;) {
		while (i < len && buf[i] == ' ')
			i++;
		if (i >= len)
			break;
		ws[nw] = i;
		while (i < len && buf[i] != ' ')
			i++;
		stop[nw] = (o->flags & VA_FEAT_STOP) &&
		    is_stop(buf + ws[nw], i - ws[nw]);
		wh[nw] = fnv(FNV_OFFSET, buf + ws[nw], (o->flags & VA_FEAT_STEM) ?
		    stem_len(buf + ws[nw], i - ws[nw]) : i - ws[nw]);
		nw++;
	}
	if (o->word_max > 0)
		for (i = 0; i < nw; i++)
			for (n = o->word_min; n <= o->word_max &&
			    i + (size_t)n <= nw; n++) {
				h = FNV_OFFSET;
				for (k = i; k < i + (size_t)n; k++)
					h = (h ^ wh[k]) * FNV_PRIME;
				if (push(fv, h >> 2) == -1)
					return -1;
			}
	if (o->pair_window > 0)
		for (i = 0; i < nw; i++)
			for (k = i + 2; k < nw && k <= i + (size_t)o->pair_window;
			    k++) {
				if (stop[i] || stop[k] || wh[i] == wh[k])
					continue;
				/* Unordered: the pair hashes alike both ways. */
				h = (wh[i] ^ wh[k]) * FNV_PRIME +
				    (wh[i] + wh[k]);
				if (push(fv, (h >> 2) | ((uint64_t)2 << 62)) ==
				    -1)
					return -1;
			}
	if (o->char_max > 0 && nw > 0 && (o->flags & VA_FEAT_CHARWB)) {
		for (j = 0; j < nw; j++) {
			size_t ws0 = ws[j] - 1, we0;

			for (we0 = ws[j]; buf[we0] != ' '; we0++)
				;
			if (char_grams(o, buf, ws0, we0 + 1, fv) == -1)
				return -1;
		}
	} else if (o->char_max > 0 && nw > 0 &&
	    char_grams(o, buf, 0, len, fv) == -1)
		return -1;
	if (fv->n == 0)
		return 0;
	qsort(fv->v, fv->n, sizeof(*fv->v), cmp_key);
	for (i = 0, j = 1; j < fv->n; j++) {
		if (fv->v[j].key == fv->v[i].key)
			fv->v[i].count++;
		else
			fv->v[++i] = fv->v[j];
	}
	fv->n = i + 1;
	return (long)fv->n;
}

void
va_fvec_free(struct va_fvec *fv)
{
	free(fv->v);
	memset(fv, 0, sizeof(*fv));
}

static size_t
slot_of(uint64_t key, size_t mask)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & mask;
}

int
va_vocab_init(struct va_vocab *v, size_t expect)
{
	size_t slots = 1024;

	while (slots < expect * 2)
		slots *= 2;
	memset(v, 0, sizeof(*v));
	v->keys = calloc(slots, sizeof(*v->keys));
	v->ids = calloc(slots, sizeof(*v->ids));
	if (v->keys == NULL || v->ids == NULL) {
		va_vocab_free(v);
		return -1;
	}
	v->mask = slots - 1;
	return 0;
}

long
va_vocab_find(const struct va_vocab *v, uint64_t key)
{
	size_t s;

	if (v->keys == NULL)
		return -1;
	for (s = slot_of(key, v->mask); v->keys[s] != 0;
	    s = (s + 1) & v->mask)
		if (v->keys[s] == key)
			return v->ids[s];
	return -1;
}

static int
grow(struct va_vocab *v)
{
	struct va_vocab nv;
	size_t i, s;

	if (va_vocab_init(&nv, (v->mask + 1)) == -1)
		return -1;
	for (i = 0; i <= v->mask; i++) {
		if (v->keys[i] == 0)
			continue;
		for (s = slot_of(v->keys[i], nv.mask); nv.keys[s] != 0;
		    s = (s + 1) & nv.mask)
			;
		nv.keys[s] = v->keys[i];
		nv.ids[s] = v->ids[i];
	}
	nv.n = v->n;
	va_vocab_free(v);
	*v = nv;
	return 0;
}

long
va_vocab_add(struct va_vocab *v, uint64_t key)
{
	size_t s;

	if (v->keys == NULL && va_vocab_init(v, 512) == -1)
		return -1;
	if ((v->n + 1) * 2 > v->mask + 1 && grow(v) == -1)
		return -1;
	for (s = slot_of(key, v->mask); v->keys[s] != 0;
	    s = (s + 1) & v->mask)
		if (v->keys[s] == key)
			return v->ids[s];
	v->keys[s] = key;
	v->ids[s] = (uint32_t)v->n;
	return (long)v->n++;
}

void
va_vocab_free(struct va_vocab *v)
{
	free(v->keys);
	free(v->ids);
	memset(v, 0, sizeof(*v));
}
