/*
 * spoken.c - spoken numbers to digit strings (see spoken.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoken.h"

#define MAXRUN	128

static const char *const units[] = { "zero", "one", "two", "three", "four",
	"five", "six", "seven", "eight", "nine", NULL };
static const char *const teens[] = { "ten", "eleven", "twelve", "thirteen",
	"fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
	NULL };
static const char *const tens[] = { "", "", "twenty", "thirty", "forty",
	"fifty", "sixty", "seventy", "eighty", "ninety", NULL };

enum kind { K_WORD, K_DIGIT, K_OH, K_TEEN, K_TENS, K_HUNDRED, K_THOUSAND,
	K_MULT, K_LIT, K_LETTER, K_AND };

static int
lookup(const char *const *tab, const char *w)
{
	int i;

	for (i = 0; tab[i] != NULL; i++)
		if (tab[i][0] != '\0' && strcmp(tab[i], w) == 0)
			return i;
	return -1;
}

int
va_spoken_digit(const char *w)
{
	if (strcmp(w, "oh") == 0 || strcmp(w, "o") == 0 ||
	    strcmp(w, "nought") == 0)
		return 0;
	return lookup(units, w);
}

/*
 * A literal made of digits, maybe grouped by dashes or dots, or in
 * thousands by commas ("1,299.50").
 */
static int
literal(const char *w, char *out, size_t outsz)
{
	size_t o = 0;
	int digits = 0;

	for (; *w != '\0'; w++) {
		if (isdigit((unsigned char)*w)) {
			digits++;
			if (o + 1 < outsz)
				out[o++] = *w;
		} else if (isalpha((unsigned char)*w)) {
			if (o + 1 < outsz)
				out[o++] = (char)toupper((unsigned char)*w);
		} else if (*w == '.' && o > 0 && isdigit((unsigned char)w[1]) &&
		    (w[2] == '\0' || (isdigit((unsigned char)w[2]) &&
		    w[3] == '\0'))) {
			/* A decimal point: "19.99". */
			if (o + 1 < outsz)
				out[o++] = '.';
		} else if (*w == ',' && o > 0 &&
		    isdigit((unsigned char)w[-1]) &&
		    strspn(w + 1, "0123456789") == 3 &&
		    (w[4] == '\0' || w[4] == ',' || w[4] == '.'))
			continue;	/* thousands: "1,299.50" */
		else if ((*w == '-' || *w == '.') && o > 0 &&
		    w[1] != '\0')
			continue;
		else
			return 0;
	}
	out[o] = '\0';
	return digits > 0;
}

static enum kind
classify(const char *w, int *val)
{
	int v;

	*val = 0;
	if ((v = lookup(units, w)) >= 0) {
		*val = v;
		return K_DIGIT;
	}
	if (strcmp(w, "oh") == 0 || strcmp(w, "o") == 0 ||
	    strcmp(w, "nought") == 0)
		return K_OH;
	if ((v = lookup(teens, w)) >= 0) {
		*val = v + 10;
		return K_TEEN;
	}
	if ((v = lookup(tens, w)) >= 0) {
		*val = v * 10;
		return K_TENS;
	}
	if (strcmp(w, "hundred") == 0)
		return K_HUNDRED;
	if (strcmp(w, "thousand") == 0)
		return K_THOUSAND;
	if (strcmp(w, "double") == 0 || strcmp(w, "triple") == 0) {
		*val = w[0] == 'd' ? 2 : 3;
		return K_MULT;
	}
	if (strcmp(w, "and") == 0)
		return K_AND;
	if (w[0] != '\0' && w[1] == '\0' && isalpha((unsigned char)w[0]))
		return K_LETTER;
	return K_WORD;
}

/* Lower-case w without outer punctuation; *pre gets a leading #, $ or +. */
static char *
clean(const char *w, char *pre)
{
	size_t n = strlen(w), i, o = 0;
	char *s;

	*pre = 0;
	while (n > 0 && strchr(".,?!;:\"')]}", w[n - 1]) != NULL)
		n--;
	i = 0;
	while (i < n && strchr("\"'([{", w[i]) != NULL)
		i++;
	if (i < n && strchr("#$+", w[i]) != NULL && i + 1 < n) {
		*pre = w[i];
		i++;
	}
	if ((s = malloc(n - i + 1)) == NULL)
		return NULL;
	for (; i < n; i++)
		s[o++] = (char)tolower((unsigned char)w[i]);
	s[o] = '\0';
	return s;
}

struct word {
	char	*s;
	enum kind k;
	int	v;
	char	pre;
	char	lit[MAXRUN];
};

static int
is_numberish(const struct word *w)
{
	return w->k == K_DIGIT || w->k == K_TEEN || w->k == K_TENS ||
	    w->k == K_HUNDRED || w->k == K_THOUSAND || w->k == K_LIT;
}

/*
 * "oh" at w[i] is a zero: more of them, then a number word ("oh oh
 * seven"). The parser starts a run and run() goes on by this one rule,
 * so a run started never ends before its first word.
 */
static int
oh_zero(const struct word *w, int i, int n)
{
	while (i < n && w[i].k == K_OH)
		i++;
	return i < n && is_numberish(&w[i]);
}

/*
 * A cardinal from words[i] on ("one hundred and five", "two thousand
 * twenty"), cur the value written before a scale word ("6 hundred"):
 * returns the words used, 0 when words[i] starts none.
 */
static int
cardinal(const struct word *w, int i, int n, long cur, long *out)
{
	long total = 0;
	int j, mult = 0, last = cur > 0 ? K_TENS : -1;

	for (j = i; j < n; j++) {
		switch (w[j].k) {
		case K_DIGIT:
			if (last == K_DIGIT || last == K_TEEN ||
			    (last == K_TENS && cur % 10 != 0))
				goto done;
			cur += w[j].v;
			break;
		case K_TEEN:
			if (last == K_DIGIT || last == K_TEEN || last == K_TENS)
				goto done;
			cur += w[j].v;
			break;
		case K_TENS:
			if (last == K_DIGIT || last == K_TEEN || last == K_TENS)
				goto done;
			cur += w[j].v;
			break;
		case K_HUNDRED:
			/* "nineteen hundred", never a hundred hundreds. */
			if (cur >= 100)
				goto done;
			cur = (cur ? cur : 1) * 100;
			mult = 1;
			break;
		case K_THOUSAND:
			total += (cur ? cur : 1) * 1000;
			cur = 0;
			mult = 1;
			break;
		case K_AND:
			if (!mult || j + 1 >= n || !(w[j + 1].k == K_DIGIT ||
			    w[j + 1].k == K_TEEN || w[j + 1].k == K_TENS))
				goto done;
			break;
		default:
			goto done;
		}
		last = w[j].k;
	}
done:
	if (!mult)
		return 0;
	*out = total + cur;
	return j - i;
}

static int
push_tok(struct va_toks *tk, const struct va_tok *t)
{
	struct va_tok *nt;

	if ((tk->n & 31) == 0) {
		if ((nt = realloc(tk->t, ((size_t)tk->n + 32) *
		    sizeof(*nt))) == NULL)
			return -1;
		tk->t = nt;
	}
	tk->t[tk->n++] = *t;
	return 0;
}

static void
append(char *run, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= MAXRUN)
		n = MAXRUN - 1 - *len;
	memcpy(run + *len, s, n);
	*len += n;
	run[*len] = '\0';
}

/*
 * The value of literal w[j] when it is digits a scale word multiplies
 * ("6 hundred", "19 hundred", "250 thousand"), else 0.
 */
static long
scaled(const struct word *w, int j, int n)
{
	long v;

	if (j + 1 >= n || strlen(w[j].lit) > 6 ||
	    strspn(w[j].lit, "0123456789") != strlen(w[j].lit))
		return 0;
	v = strtol(w[j].lit, NULL, 10);
	if (w[j + 1].k == K_HUNDRED)
		return v < 100 ? v : 0;
	return w[j + 1].k == K_THOUSAND ? v : 0;
}

/* One run of number words from w[i]; returns the index after it. */
static int
run(const struct word *w, int i, int n, struct va_tok *t, char *buf)
{
	size_t len = 0;
	char tmp[32];
	long val, lv;
	int j = i, used, k, chunks = 0, digits_after;

	buf[0] = '\0';
	t->alpha = 0;
	t->cardinal = 0;
	t->pre = w[i].pre;
	while (j < n) {
		if (w[j].k == K_LIT && (lv = scaled(w, j, n)) > 0 &&
		    (used = cardinal(w, j + 1, n, lv, &val)) > 0) {
			/* "6 hundred", "12 thousand": one number. */
			snprintf(tmp, sizeof(tmp), "%ld", val);
			append(buf, &len, tmp);
			j += 1 + used;
			t->cardinal = chunks == 0;
		} else if (w[j].k == K_LIT) {
			append(buf, &len, w[j].lit);
			j++;
		} else if ((used = cardinal(w, j, n, 0, &val)) > 0) {
			snprintf(tmp, sizeof(tmp), "%ld", val);
			append(buf, &len, tmp);
			j += used;
			t->cardinal = chunks == 0;
		} else if (w[j].k == K_DIGIT || (w[j].k == K_OH &&
		    (len > 0 || oh_zero(w, j, n)))) {
			snprintf(tmp, sizeof(tmp), "%d", w[j].v);
			append(buf, &len, tmp);
			j++;
		} else if (w[j].k == K_MULT && j + 1 < n &&
		    (w[j + 1].k == K_DIGIT || w[j + 1].k == K_OH)) {
			for (k = 0; k < w[j].v; k++) {
				snprintf(tmp, sizeof(tmp), "%d", w[j + 1].v);
				append(buf, &len, tmp);
			}
			j += 2;
		} else if (w[j].k == K_TEEN) {
			snprintf(tmp, sizeof(tmp), "%d", w[j].v);
			append(buf, &len, tmp);
			j++;
			t->cardinal = chunks == 0;
		} else if (w[j].k == K_TENS) {
			val = w[j].v;
			if (j + 1 < n && w[j + 1].k == K_DIGIT &&
			    w[j + 1].v > 0) {
				val += w[j + 1].v;
				j++;
			}
			snprintf(tmp, sizeof(tmp), "%ld", val);
			append(buf, &len, tmp);
			j++;
			t->cardinal = chunks == 0;
		} else if (w[j].k == K_LETTER && len > 0) {
			/* Letters only between digits: "one z nine". */
			for (k = j, digits_after = 0; k < n &&
			    w[k].k == K_LETTER; k++)
				;
			if (k < n && (w[k].k == K_DIGIT || w[k].k == K_OH ||
			    w[k].k == K_LIT || w[k].k == K_TEEN ||
			    w[k].k == K_TENS))
				digits_after = 1;
			if (!digits_after)
				break;
			for (; j < k; j++) {
				tmp[0] = (char)toupper((unsigned char)w[j].s[0]);
				tmp[1] = '\0';
				append(buf, &len, tmp);
			}
			t->alpha = 1;
		} else
			break;
		chunks++;
	}
	if (chunks > 1)
		t->cardinal = 0;
	for (k = 0; buf[k] != '\0'; k++)
		if (isalpha((unsigned char)buf[k]))
			t->alpha = 1;
	t->first = i;
	t->last = j - 1;
	return j;
}

int
va_spoken_parse(struct va_toks *tk, char *const *words, int n)
{
	struct word *w;
	struct va_tok t;
	char buf[MAXRUN];
	int i, rc = -1;

	memset(tk, 0, sizeof(*tk));
	if ((w = calloc((size_t)n + 1, sizeof(*w))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((w[i].s = clean(words[i], &w[i].pre)) == NULL)
			goto done;
		if (literal(w[i].s, w[i].lit, sizeof(w[i].lit)))
			w[i].k = K_LIT;
		else
			w[i].k = classify(w[i].s, &w[i].v);
	}
	for (i = 0; i < n;) {
		memset(&t, 0, sizeof(t));
		if (w[i].k == K_LIT || w[i].k == K_DIGIT || w[i].k == K_TEEN ||
		    w[i].k == K_TENS || (w[i].k == K_HUNDRED && 0) ||
		    (w[i].k == K_OH && i + 1 < n &&
		    (w[i + 1].k == K_DIGIT || w[i + 1].k == K_LIT ||
		    (w[i + 1].k == K_OH && oh_zero(w, i, n)))) ||
		    (w[i].k == K_MULT && i + 1 < n &&
		    (w[i + 1].k == K_DIGIT || w[i + 1].k == K_OH))) {
			i = run(w, i, n, &t, buf);
			t.num = 1;
			if ((t.s = strdup(buf)) == NULL)
				goto done;
		} else {
			t.first = t.last = i;
			t.pre = w[i].pre;
			if ((t.s = strdup(w[i].s)) == NULL)
				goto done;
			i++;
		}
		if (push_tok(tk, &t) == -1) {
			free(t.s);
			goto done;
		}
	}
	rc = 0;
done:
	for (i = 0; i < n; i++)
		free(w[i].s);
	free(w);
	if (rc == -1)
		va_spoken_free(tk);
	return rc;
}

void
va_spoken_free(struct va_toks *tk)
{
	int i;

	for (i = 0; i < tk->n; i++)
		free(tk->t[i].s);
	free(tk->t);
	memset(tk, 0, sizeof(tk[0]));
}
