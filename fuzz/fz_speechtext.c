/*
 * fz_speechtext.c - fuzz the speech text normaliser, say-as and the
 * planner (lib/speechtext.c) against references written here.
 *
 * An input is three bytes, then text (up to a NUL): the first byte picks
 * max_words (-2 to 31), the second first_words (-2 to 31), the third an
 * interpret-as. Properties:
 * - va_speechtext_normalize(): a string, valid UTF-8 when the text is,
 *   with no control character (the planner's own markers must not leak
 *   in from the text), no '&' (said "and") and no ASCII digit (flite and
 *   espeak-ng read one left each their own way), whatever the text;
 * - va_speechtext_say_as(): NULL for an unknown interpret-as; otherwise
 *   NULL or printable ASCII words without a digit. "digits" and
 *   "characters" say exactly the digits (and letters) of the content, as
 *   spelled here; "cardinal" and "ordinal" take exactly a whole number
 *   (digits, or groups of three after commas; a cardinal may have a
 *   minus sign, said "minus") and say its value, read back here from the
 *   words; "date" and "time" take exactly the forms
 *   the header names, checked by a grammar here: content that does not
 *   fit is NULL, so nothing of it is lost; "telephone" always says
 *   something: the digits of the content in order, and its full stop
 *   at the end if it had one;
 * - va_speechtext_plan() returns 0 and every chunk's text is its parts'
 *   non-empty words joined by single spaces, no ASCII digit in them
 *   (say-as included), its word count the text's,
 *   its key the text with its pauses as "<Nms>" (adding up to the parts'
 *   pauses, each between 0 and 10 s, and at most 10 s per <break> of
 *   the text), no '&'
 *   and no whole tag left over unless an entity made it;
 * - splitting never loses, invents or reorders a word or a pause: the
 *   chunks' keys read in a row are those of the plan without limits, in
 *   which no chunk but the last ends mid-sentence;
 * - text without digits, '#' or say-as has nothing that may not be split,
 *   so there every chunk keeps its limit: first_words for the lead (else
 *   max_words), max_words for the others;
 * - plain text escaped with &amp; &lt; &gt; plans to the words normalize()
 *   gives it (punctuation standing alone joined to the word before).
 * Not checked: which words a number, a date or an amount becomes beyond
 * the round trips above (the unit test's examples are the reference for
 * that), where exactly a long sentence is cut, that a chunk other than
 * the lead has three words "where it can", and that words stay apart
 * ("$5abc" once said "dollarsabc"): no reference here knows where a
 * word of the text ends and a word said for a number begins.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fz.h"
#include "speechtext.h"

static const char *const hows[] = { "digits", "characters", "spell-out",
	"verbatim", "telephone", "phone", "cardinal", "number", "ordinal",
	"date", "time", "currency", "money", "bogus", "" };

static const char *const ones[] = { "zero", "one", "two", "three", "four",
	"five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
	"thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
	"nineteen" };
static const char *const tens[] = { "twenty", "thirty", "forty", "fifty",
	"sixty", "seventy", "eighty", "ninety" };

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		abort();
	return d;
}

static int
has_ctrl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
has_digit(const char *s)
{
	for (; *s != '\0'; s++)
		if (isdigit((unsigned char)*s))
			return 1;
	return 0;
}

/* Words of s split at spaces, in place, into *w (new); how many. */
static size_t
split(char *s, char ***w)
{
	size_t n = 0;

	if ((*w = malloc((strlen(s) / 2 + 1) * sizeof(**w))) == NULL)
		abort();
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return n;
		(*w)[n++] = s;
		while (*s != '\0' && *s != ' ')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

static size_t
count_words(const char *s)
{
	size_t n = 0;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		n++;
		while (*s != '\0' && *s != ' ')
			s++;
	}
	return n;
}

/* A growing word list: the words of chunks read one after another. */
struct wl {
	char	*s;
	size_t	len, cap;
};

/* Append n bytes at s; sep: with a space before unless first. */
static void
wl_cat(struct wl *l, const char *s, size_t n, int sep)
{
	if (l->len + n + 2 > l->cap) {
		l->cap = (l->len + n + 2) * 2;
		if ((l->s = realloc(l->s, l->cap)) == NULL)
			abort();
	}
	if (sep && l->len > 0)
		l->s[l->len++] = ' ';
	memcpy(l->s + l->len, s, n);
	l->len += n;
	l->s[l->len] = '\0';
}

static void
wl_add(struct wl *l, const char *s, size_t n)
{
	wl_cat(l, s, n, 1);
}

static void
wl_words(struct wl *l, const char *s)
{
	const char *e;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return;
		for (e = s; *e != '\0' && *e != ' '; e++)
			;
		wl_add(l, s, (size_t)(e - s));
		s = e;
	}
}

static const char *
wl_str(const struct wl *l)
{
	return l->s != NULL ? l->s : "";
}

/* A key's pause token "<Nms>": N, or -1 for a word. */
static long
key_pause(const char *w)
{
	char *end;
	long v;

	if (w[0] != '<' || !isdigit((unsigned char)w[1]))
		return -1;
	v = strtol(w + 1, &end, 10);
	return strcmp(end, "ms>") == 0 ? v : -1;
}

/* Does s hold "<" a letter, '/', '?' or '!', and later ">": a tag? */
static int
has_tag(const char *s)
{
	const char *lt;

	for (lt = strchr(s, '<'); lt != NULL; lt = strchr(lt + 1, '<'))
		if ((isalpha((unsigned char)lt[1]) || lt[1] == '/' ||
		    lt[1] == '?' || lt[1] == '!') && strchr(lt, '>') != NULL)
			return 1;
	return 0;
}

/* Does every '<' of text open a tag, and no entity make one? */
static int
tags_only(const char *text)
{
	const char *lt;

	if (strstr(text, "&lt;") != NULL || strstr(text, "&gt;") != NULL)
		return 0;
	for (lt = strchr(text, '<'); lt != NULL; lt = strchr(lt + 1, '<'))
		if (!isalpha((unsigned char)lt[1]) && lt[1] != '/' &&
		    lt[1] != '?' && lt[1] != '!')
			return 0;
	return 1;
}

/* Text out: no control character and no '&'. A key has digits. */
static void
check_text(const char *s, int utf8)
{
	FZ_CHECK(s != NULL);
	FZ_CHECK(!has_ctrl(s));
	FZ_CHECK(strchr(s, '&') == NULL);
	FZ_CHECK(!utf8 || fz_utf8_valid(s));
}

/* Words to speak: no digit either. */
static void
check_words(const char *s, int utf8)
{
	check_text(s, utf8);
	FZ_CHECK(!has_digit(s));
}

static void
check_chunk(const struct va_speech_chunk *c, const char *text, int utf8)
{
	struct wl parts = { 0 }, words = { 0 };
	char *key, **w;
	size_t i, n, breaks = 0;
	long sum = 0, ksum = 0, v;
	const char *p;

	for (p = strstr(text, "<break"); p != NULL; p = strstr(p + 1, "<break"))
		breaks++;
	check_words(c->text, utf8);
	check_text(c->key, utf8);
	FZ_CHECK(c->nparts >= 1 && c->parts != NULL);
	for (i = 0; i < c->nparts; i++) {
		check_words(c->parts[i].words, utf8);
		if (c->parts[i].words[0] != '\0')
			wl_add(&parts, c->parts[i].words,
			    strlen(c->parts[i].words));
		FZ_CHECK(c->parts[i].pause_ms >= 0);
		FZ_CHECK(c->parts[i].pause_ms <= 10000L * (long)breaks);
		FZ_CHECK(c->parts[i].pause_ms <= 10000);
		sum += c->parts[i].pause_ms;
	}
	/* The text is its parts joined, each word once, single spaces. */
	FZ_CHECK(strcmp(wl_str(&parts), c->text) == 0);
	FZ_CHECK(c->words >= 0 && (size_t)c->words == count_words(c->text));
	wl_words(&words, c->text);
	FZ_CHECK(strcmp(wl_str(&words), c->text) == 0);
	free(words.s);
	memset(&words, 0, sizeof(words));
	/* The key is the text with the pauses written in. */
	key = xstrdup(c->key);
	n = split(key, &w);
	for (i = 0; i < n; i++) {
		if ((v = key_pause(w[i])) >= 0)
			ksum += v;
		else
			wl_add(&words, w[i], strlen(w[i]));
	}
	FZ_CHECK(strcmp(wl_str(&words), c->text) == 0);
	FZ_CHECK(ksum == sum);
	free(w);
	free(key);
	free(words.s);
	free(parts.s);
}

/* Plan text, check each chunk, and read the keys in a row into keys. */
static void
plan_checked(const char *text, int max_words, int first_words, int utf8,
    struct va_speech_plan *p, struct wl *keys)
{
	size_t i;

	FZ_CHECK(va_speechtext_plan(text, max_words, first_words, p) == 0);
	FZ_CHECK(p->n == 0 || p->chunks != NULL);
	for (i = 0; i < p->n; i++) {
		check_chunk(&p->chunks[i], text, utf8);
		wl_words(keys, p->chunks[i].key);
		/*
		 * Markup goes. A '<' opening no tag is text, and may be
		 * followed by a letter once normalised ("<'b>" is "<b>"), and
		 * so may an entity; text with neither keeps no tag.
		 */
		if (tags_only(text))
			FZ_CHECK(!has_tag(p->chunks[i].text));
	}
}

/* Nothing that may not be split: no number, code or say-as. */
static int
splittable(const char *text)
{
	return !has_digit(text) && strchr(text, '#') == NULL &&
	    strstr(text, "say-as") == NULL;
}

static void
check_plan(const char *text, int max_words, int first_words, int utf8)
{
	struct va_speech_plan p, whole;
	struct wl keys = { 0 }, wkeys = { 0 };
	size_t i, tl;
	int lim;

	plan_checked(text, max_words, first_words, utf8, &p, &keys);
	plan_checked(text, 0, 0, utf8, &whole, &wkeys);
	FZ_CHECK(strcmp(wl_str(&keys), wl_str(&wkeys)) == 0);
	/* Without limits a chunk is a sentence. */
	for (i = 0; i + 1 < whole.n; i++) {
		tl = strlen(whole.chunks[i].text);
		FZ_CHECK(tl > 0 &&
		    strchr(".!?", whole.chunks[i].text[tl - 1]) != NULL);
	}
	if (splittable(text))
		for (i = 0; i < p.n; i++) {
			lim = i == 0 && first_words > 0 ? first_words :
			    max_words;
			FZ_CHECK(lim <= 0 || p.chunks[i].words <= lim);
		}
	va_speechtext_free(&p);
	va_speechtext_free(&whole);
	free(keys.s);
	free(wkeys.s);
}

/* Text escaped as SSML: &amp; &lt; &gt;. New string. */
static char *
escape(const char *s)
{
	struct wl l = { 0 };

	wl_cat(&l, "", 0, 0);
	for (; *s != '\0'; s++) {
		if (*s == '&')
			wl_cat(&l, "&amp;", 5, 0);
		else if (*s == '<')
			wl_cat(&l, "&lt;", 4, 0);
		else if (*s == '>')
			wl_cat(&l, "&gt;", 4, 0);
		else
			wl_cat(&l, s, 1, 0);
	}
	return l.s;
}

/*
 * normalize() and the plan of the same text escaped say the same words,
 * once punctuation standing alone is joined to the word before (or
 * dropped at the start), as the planner does.
 */
static void
check_normalize(const char *text, int utf8)
{
	struct va_speech_plan p;
	struct wl want = { 0 }, got = { 0 };
	char *norm, *esc, **w;
	size_t i, n, k;

	norm = va_speechtext_normalize(text);
	check_words(norm, utf8);
	n = split(norm, &w);
	for (i = 0; i < n; i++) {
		k = strlen(w[i]);
		/* Alone, joined to the word before; dropped at the start. */
		if (strspn(w[i], ".,;:!?") == k)
			wl_cat(&want, w[i], want.len > 0 ? k : 0, 0);
		else
			wl_add(&want, w[i], k);
	}
	free(w);
	esc = escape(text);
	FZ_CHECK(va_speechtext_plan(esc, 0, 0, &p) == 0);
	for (i = 0; i < p.n; i++)
		wl_words(&got, p.chunks[i].key);
	if (strcmp(wl_str(&got), wl_str(&want)) != 0)
		fprintf(stderr, "normalize: \"%s\"\nplan:      \"%s\"\n",
		    wl_str(&want), wl_str(&got));
	FZ_CHECK(strcmp(wl_str(&got), wl_str(&want)) == 0);
	va_speechtext_free(&p);
	free(esc);
	free(norm);
	free(want.s);
	free(got.s);
}

/* Content as say-as sees it: without spaces around it. New string. */
static char *
trimmed(const char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

/* The digits (and letters, spelled upper case) of s, as words. */
static char *
spelled(const char *s, int letters)
{
	struct wl l = { 0 };
	char c;

	wl_cat(&l, "", 0, 0);
	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s))
			wl_add(&l, ones[*s - '0'], strlen(ones[*s - '0']));
		else if (letters && isalpha((unsigned char)*s)) {
			c = (char)toupper((unsigned char)*s);
			wl_add(&l, &c, 1);
		}
	}
	return l.s;
}

/* A whole number: up to 15 digits, or groups of three after commas. */
static int
whole_number(const char *s, uint64_t *v)
{
	size_t n = strspn(s, "0123456789"), digits = n;

	if (n == 0 || n > 15 || (s[n] == ',' && n > 3))
		return 0;
	*v = strtoull(s, NULL, 10);
	for (s += n; *s == ','; s += 4) {
		if (strspn(s + 1, "0123456789") != 3 || (digits += 3) > 18)
			return 0;
		*v = *v * 1000 + strtoull(s + 1, NULL, 10);
	}
	return *s == '\0';
}

static int
word_index(const char *w, const char *const *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return i;
	return -1;
}

/* "one hundred twenty three" -> 123; -1 unless 1 to 999 well formed. */
static long
below1000(char **w, size_t n)
{
	long v = 0;
	size_t i = 0;
	int k;

	if (n >= 2 && strcmp(w[1], "hundred") == 0) {
		if ((k = word_index(w[0], ones, 10)) < 1)
			return -1;
		v = 100 * k;
		i = 2;
	}
	if (i < n && (k = word_index(w[i], tens, 8)) >= 0) {
		v += 20 + 10 * k;
		if (++i < n && (k = word_index(w[i], ones, 10)) >= 1) {
			v += k;
			i++;
		}
	} else if (i < n && (k = word_index(w[i], ones, 20)) >= 1) {
		v += k;
		i++;
	}
	return i == n && v > 0 ? v : -1;
}

/*
 * Cardinal words read back: split at the largest scale word, so "five
 * thousand trillion" is 5000 * 10^12. UINT64_MAX when malformed.
 */
static uint64_t
words_value(char **w, size_t n)
{
	static const char *const scales[] = { "trillion", "billion",
		"million", "thousand" };
	static const uint64_t scale[] = { 1000000000000ULL, 1000000000ULL,
		1000000ULL, 1000ULL };
	uint64_t l, r;
	size_t k, i;
	long v;

	if (n == 1 && strcmp(w[0], "zero") == 0)
		return 0;
	for (k = 0; k < 4; k++)
		for (i = n; i-- > 0;)
			if (strcmp(w[i], scales[k]) == 0) {
				l = words_value(w, i);
				r = i + 1 < n ? words_value(w + i + 1,
				    n - i - 1) : 0;
				if (l == UINT64_MAX || l == 0 ||
				    r == UINT64_MAX || r >= scale[k])
					return UINT64_MAX;
				return l * scale[k] + r;
			}
	if (n == 0 || (v = below1000(w, n)) < 0)
		return UINT64_MAX;
	return (uint64_t)v;
}

/* An ordinal's last word made cardinal again (new string). */
static char *
unordinal(const char *s)
{
	static const char *const irregular[][2] = { { "first", "one" },
		{ "second", "two" }, { "third", "three" }, { "fifth", "five" },
		{ "eighth", "eight" }, { "ninth", "nine" },
		{ "twelfth", "twelve" } };
	char *out, *last;
	size_t i, l;

	if ((out = malloc(strlen(s) + 8)) == NULL)
		abort();
	strcpy(out, s);
	last = strrchr(out, ' ');
	last = last != NULL ? last + 1 : out;
	l = strlen(last);
	for (i = 0; i < sizeof(irregular) / sizeof(irregular[0]); i++)
		if (strcmp(last, irregular[i][0]) == 0) {
			strcpy(last, irregular[i][1]);
			return out;
		}
	if (l > 4 && strcmp(last + l - 4, "ieth") == 0)
		strcpy(last + l - 4, "y");
	else if (l > 2 && strcmp(last + l - 2, "th") == 0)
		last[l - 2] = '\0';
	else
		strcpy(last, "?");
	return out;
}

/* Read number words back; UINT64_MAX when they are not a number. */
static uint64_t
said_value(const char *said, int ordinal)
{
	char *s, **w;
	uint64_t v;
	size_t n;

	s = ordinal ? unordinal(said) : xstrdup(said);
	n = split(s, &w);
	v = words_value(w, n);
	free(w);
	free(s);
	return v;
}

static int
num(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 1;
}

/* The date forms of the header: its month (1 to 12), or 0. */
static unsigned
date_form(const char *s)
{
	size_t n = strlen(s), a, b;
	unsigned y, m = 0, d = 0;

	if (n == 10 && s[4] == '-' && s[7] == '-' && num(s, 4, &y) &&
	    num(s + 5, 2, &m) && num(s + 8, 2, &d))
		;
	else if (n == 8 && num(s, 4, &y) && num(s + 4, 2, &m) &&
	    num(s + 6, 2, &d))
		;
	else {
		a = strspn(s, "0123456789");
		if (a < 1 || a > 2 || s[a] != '/')
			return 0;
		b = strspn(s + a + 1, "0123456789");
		if (b < 1 || b > 2 ||
		    s[a + 1 + b] != '/' || n != a + b + 6 ||
		    !num(s, a, &m) || !num(s + a + 1, b, &d) ||
		    !num(s + a + b + 2, 4, &y))
			return 0;
	}
	return m >= 1 && m <= 12 && d >= 1 && d <= 31 ? m : 0;
}

/*
 * The time forms: "14:30", "9:05 am", "10am", "5 p.m.", "7", and a
 * suffix after a 24-hour time that agrees with it, "0:15 am".
 */
static int
time_form(const char *s)
{
	size_t n = strspn(s, "0123456789");
	unsigned h, m = 0;
	int colon = 0, pm;

	if (n < 1 || n > 2 || !num(s, n, &h) || h > 23)
		return 0;
	s += n;
	if (*s == ':') {
		if (strspn(s + 1, "0123456789") != 2 || !num(s + 1, 2, &m) ||
		    m > 59)
			return 0;
		s += 3;
		colon = 1;
	}
	if (*s == '\0')
		return colon || n == strlen(s - n);
	if (*s == ' ')
		s++;
	if (*s == '\0' || strchr("aApP", *s) == NULL)
		return 0;
	pm = tolower((unsigned char)*s) == 'p';
	if ((h < 1 || h > 12) && !(colon && (h == 0 ? !pm : pm)))
		return 0;
	return strcasecmp(s + 1, "m") == 0 || strcasecmp(s + 1, ".m.") == 0;
}

/* The words of said that name a digit, without their punctuation. */
static char *
digit_words(const char *said)
{
	struct wl l = { 0 };
	char *s = xstrdup(said), **w;
	size_t i, n;

	wl_cat(&l, "", 0, 0);
	n = split(s, &w);
	for (i = 0; i < n; i++) {
		w[i][strcspn(w[i], ",.")] = '\0';
		if (word_index(w[i], ones, 10) >= 0)
			wl_add(&l, w[i], strlen(w[i]));
	}
	free(w);
	free(s);
	return l.s;
}

static void
check_say_as(const char *how, const char *content, int utf8)
{
	char *said, *t, *want, *got;
	size_t n;
	const char *months[] = { "January", "February", "March", "April",
		"May", "June", "July", "August", "September", "October",
		"November", "December" };
	uint64_t v;
	unsigned m;
	size_t neg;
	const char *p;

	said = va_speechtext_say_as(how, content);
	if (word_index(how, hows, 13) < 0) {
		FZ_CHECK(said == NULL);
		return;
	}
	if (said != NULL) {
		check_words(said, utf8);
		for (p = said; *p != '\0'; p++)
			FZ_CHECK(*p >= 0x20 && *p < 0x7f);
	}
	if ((t = trimmed(content)) == NULL)
		abort();
	/* Nothing to say is said as nothing, whatever the kind. */
	if (t[0] == '\0')
		FZ_CHECK(said != NULL && said[0] == '\0');
	else if (strcmp(how, "digits") == 0 || strcmp(how, "characters") == 0 ||
	    strcmp(how, "spell-out") == 0 || strcmp(how, "verbatim") == 0) {
		want = spelled(t, how[0] != 'd');
		FZ_CHECK(said != NULL && strcmp(said, want) == 0);
		free(want);
	} else if (strcmp(how, "cardinal") == 0 ||
	    strcmp(how, "number") == 0 || strcmp(how, "ordinal") == 0) {
		/* A cardinal may be negative: "minus" and the number. */
		neg = how[0] != 'o' && t[0] == '-' && t[1] != '\0';
		if (said != NULL || whole_number(t + neg, &v)) {
			FZ_CHECK(said != NULL && whole_number(t + neg, &v));
			FZ_CHECK(!neg || strncmp(said, "minus ", 6) == 0);
			FZ_CHECK(said_value(said + 6 * neg, how[0] == 'o') ==
			    v);
		}
	} else if (strcmp(how, "date") == 0) {
		m = date_form(t);
		FZ_CHECK((said != NULL) == (m > 0));
		FZ_CHECK(m == 0 || strncmp(said, months[m - 1],
		    strlen(months[m - 1])) == 0);
	} else if (strcmp(how, "time") == 0)
		FZ_CHECK((said != NULL) == time_form(t));
	else if (strcmp(how, "telephone") == 0 || strcmp(how, "phone") == 0) {
		FZ_CHECK(said != NULL);
		want = spelled(t, 0);
		got = digit_words(said);
		FZ_CHECK(strcmp(got, want) == 0);
		n = strlen(t);
		FZ_CHECK((said[0] != '\0' && said[strlen(said) - 1] == '.') ==
		    (n > 1 && t[n - 1] == '.'));
		free(want);
		free(got);
	}
	free(t);
	free(said);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int max_words = 0, first_words = 0, utf8;
	const char *how = hows[0];
	size_t skip = size < 3 ? size : 3;
	char *text;

	if (size > 0)
		max_words = data[0] % 34 - 2;
	if (size > 1)
		first_words = data[1] % 34 - 2;
	if (size > 2)
		how = hows[data[2] % (sizeof(hows) / sizeof(hows[0]))];
	if ((text = strndup((const char *)data + skip, size - skip)) == NULL)
		abort();
	utf8 = fz_utf8_valid(text);
	check_normalize(text, utf8);
	check_say_as(how, text, utf8);
	check_plan(text, max_words, first_words, utf8);
	free(text);
	return 0;
}
