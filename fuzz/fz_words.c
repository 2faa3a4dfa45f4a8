/*
 * fz_words.c - fuzz spoken numbers, redaction and entities (lib/spoken.c,
 * lib/redact.c, lib/entities.c) on a transcript, as va-intent uses them.
 *
 * The input is the text of a transcript, up to a NUL (va-intent reads it
 * as a C string), split into at most MAXW words at white space the way
 * va-intent splits it. Properties:
 * - va_spoken_parse() returns 0; its tokens cover the words in order, each
 *   word in exactly one token, a word token one word; a number token holds
 *   digits, upper-case letters (only when alpha is set, and then unless
 *   the run was cut at 127 characters) and decimal points; every digit
 *   word ("four") and digit string ("4111-1111") is in a number token;
 *   a run of only digit words, "oh" and digit strings reads as the
 *   digits an independent reading gives; it ends (libFuzzer's timeout)
 *   and its arithmetic stays defined (UBSan);
 * - va_redact_find() gives whole tokens holding digits (number tokens,
 *   or words with digits among punctuation; a run cut at 127 characters
 *   may hold them only in its words), in order, at most max, and
 *   fewer with a smaller max are the first of the same spans;
 *   va_redact_join() writes what an independent join writes;
 * - PII does not travel: the joined text split and parsed again has
 *   nothing for va_redact_find() to take, and no digits that redact.h
 *   calls a card number (13 to 19 digits passing Luhn, checked here by
 *   a Luhn of our own, or a longer run starting with one, or 12 to 19
 *   near "card"; a valid tracking number only as redact.h allows) are
 *   left in a number token, a word or the text: not a stretch of digits,
 *   not a maximal stretch of digit groups joined by one of - . / (or a
 *   space, across words; a point in a number token), not all the digits
 *   of a token or word taken together, except inside a valid tracking
 *   number with letters, read as itself, and in the words of a run that
 *   is a valid tracking number redact.h exempts; and no word holds an
 *   SSN written 123-45-6789;
 * - va_entities_find() gives at most max entities, in word order, never
 *   two on one word nor one on a redacted word, with a NUL-terminated
 *   value of its type's shape: an order number of 3 to 12 digits, maybe
 *   after '#'; a phone of '+' and digits; money of minor units >= 0 in
 *   USD, EUR or GBP; a date (TZ=UTC, a fixed now) a real day within a
 *   year before now or a week after; a tracking number with valid set
 *   that va_tracking_detect() places with that carrier, and one without
 *   only when the caller said "tracking" or "track".
 * Deliberately not checked: which intent-level meaning a number has (an
 * order number or a phone is a judgement), the readings of teens, tens
 * and cardinals, tracking check digits (t_tracking's business), security
 * codes and bank accounts beyond the second pass finding none, a card
 * number among spoken digits with more said around it ("nine four one
 * one ..." reads as one run of 17), stretches of digit groups other than
 * the maximal ones ("4111-1111-1111-1111/12"; redact.c reads those too),
 * and dates' exact days.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entities.h"
#include "fz.h"
#include "redact.h"
#include "spoken.h"
#include "tracking.h"

#define MAXW	64		/* words taken from one input */
#define MAXIN	4096		/* bytes taken from one input */
#define NOW	1700000000000LL	/* Tuesday 2023-11-14 22:13 UTC */
#define DAY	86400LL

static int ready;

/* va-intent's split: white space is " \t\r\n"; at most MAXW words. */
static int
split(const char *s, char **w)
{
	size_t k;
	int n = 0;

	while (*s != '\0' && n < MAXW) {
		s += strspn(s, " \t\r\n");
		if (*s == '\0')
			break;
		k = strcspn(s, " \t\r\n");
		if ((w[n++] = strndup(s, k)) == NULL)
			abort();
		s += k;
	}
	return n;
}

static void
free_words(char **w, int n)
{
	while (n-- > 0)
		free(w[n]);
}

/*
 * The word as the parser reads it: outer punctuation off, and a '#$+'
 * sign when sign is set. 0 when it does not fit whole in out.
 */
static int
ref_clean(const char *w, char *out, size_t sz, int sign)
{
	size_t n = strlen(w), i = 0, o = 0;

	while (n > 0 && strchr(".,?!;:\"')]}", w[n - 1]) != NULL)
		n--;
	while (i < n && strchr("\"'([{", w[i]) != NULL)
		i++;
	if (sign && i + 1 < n && strchr("#$+", w[i]) != NULL)
		i++;
	for (; i < n && o + 1 < sz; i++)
		out[o++] = (char)tolower((unsigned char)w[i]);
	out[o] = '\0';
	return i == n;
}

/* Digits, maybe grouped by single dashes: their digits, else 0. */
static int
digit_string(const char *c, char *out, size_t sz)
{
	size_t i, o = 0;

	if (!isdigit((unsigned char)c[0]))
		return 0;
	for (i = 0; c[i] != '\0'; i++) {
		if (isdigit((unsigned char)c[i])) {
			if (o + 1 < sz)
				out[o++] = c[i];
		} else if (c[i] != '-' || !isdigit((unsigned char)c[i + 1]))
			return 0;
	}
	out[o] = '\0';
	return 1;
}

static int
unit(const char *c)
{
	static const char *const u[] = { "zero", "one", "two", "three",
		"four", "five", "six", "seven", "eight", "nine" };
	int i;

	for (i = 0; i < 10; i++)
		if (strcmp(c, u[i]) == 0)
			return i;
	if (strcmp(c, "oh") == 0 || strcmp(c, "o") == 0 ||
	    strcmp(c, "nought") == 0)
		return 0;
	return -1;
}

/*
 * The digits of words a..b when they are only digit words, "oh", "double"
 * or "triple" before a digit word, and digit strings; 0 when other words
 * (teens, tens, cardinals, letters) make the reading a matter of rules.
 */
static int
ref_digits(char *const *w, int a, int b, char *out, size_t sz)
{
	char c[256], d[256];
	size_t o = 0, k;
	int i, v, times;

	for (i = a; i <= b; i++) {
		if (!ref_clean(w[i], c, sizeof(c), 1))
			return 0;
		times = 1;
		if ((strcmp(c, "double") == 0 || strcmp(c, "triple") == 0) &&
		    i < b) {
			times = c[0] == 'd' ? 2 : 3;
			if (!ref_clean(w[++i], c, sizeof(c), 1))
				return 0;
		}
		if ((v = unit(c)) >= 0) {
			d[0] = (char)('0' + v);
			d[1] = '\0';
		} else if (times > 1 || !digit_string(c, d, sizeof(d)))
			return 0;
		while (times-- > 0)
			for (k = 0; d[k] != '\0'; k++)
				if (o + 1 < sz)
					out[o++] = d[k];
	}
	out[o] = '\0';
	return 1;
}

static void
check_tokens(const struct va_toks *tk, char *const *w, int n)
{
	const struct va_tok *t;
	char c[256], want[256];
	int i, k, next = 0, upper;
	const char *p;

	for (i = 0; i < tk->n; i++) {
		t = &tk->t[i];
		FZ_CHECK(t->s != NULL);
		FZ_CHECK(t->first == next && t->first <= t->last &&
		    t->last < n);
		next = t->last + 1;
		FZ_CHECK(t->pre == 0 || strchr("#$+", t->pre) != NULL);
		if (!t->num) {
			FZ_CHECK(t->first == t->last);
			continue;
		}
		FZ_CHECK(t->s[0] != '\0');
		for (p = t->s, upper = 0; *p != '\0'; p++) {
			FZ_CHECK(isdigit((unsigned char)*p) ||
			    isupper((unsigned char)*p) || *p == '.');
			upper |= isupper((unsigned char)*p) != 0;
		}
		/*
		 * alpha says the run holds letters; a run cut at 127
		 * characters may have lost them from s.
		 */
		FZ_CHECK(upper ? t->alpha : !t->alpha || strlen(t->s) == 127);
		if (ref_digits(w, t->first, t->last, want, sizeof(want)) &&
		    strlen(want) < 128) {
			if (strcmp(t->s, want) != 0)
				fprintf(stderr, "token %s, digits %s\n", t->s,
				    want);
			FZ_CHECK(strcmp(t->s, want) == 0);
		}
	}
	FZ_CHECK(next == n);
	/* Digit words and digit strings always read as numbers. */
	for (i = 0, k = 0; i < n; i++) {
		while (tk->t[k].last < i)
			k++;
		if (!ref_clean(w[i], c, sizeof(c), 1))
			continue;
		if ((unit(c) > 0 || strcmp(c, "zero") == 0 ||
		    digit_string(c, want, sizeof(want))) && !tk->t[k].num)
			fprintf(stderr, "word %s outside a number\n", w[i]);
		FZ_CHECK(!(unit(c) > 0 || strcmp(c, "zero") == 0 ||
		    digit_string(c, want, sizeof(want))) || tk->t[k].num);
	}
}

static void
check_redactions(const struct va_toks *tk, char *const *w, int n,
    const struct va_redaction *r, int nr, int max)
{
	struct va_redaction r2[MAXW];
	int i, j, k, m, nr2, digit;

	FZ_CHECK(nr >= 0 && nr <= max);
	for (i = 0, k = 0; i < nr; i++) {
		FZ_CHECK(r[i].kind < VA_RED_NKINDS);
		FZ_CHECK(i == 0 || r[i].first > r[i - 1].last);
		/*
		 * A whole token, a number or a word holding digits; a run
		 * cut at 127 characters may hold them only in its words.
		 */
		while (k < tk->n && tk->t[k].first < r[i].first)
			k++;
		FZ_CHECK(k < tk->n && tk->t[k].first == r[i].first &&
		    tk->t[k].last == r[i].last);
		digit = strpbrk(tk->t[k].s, "0123456789") != NULL;
		for (j = r[i].first; j <= r[i].last; j++)
			digit |= strpbrk(w[j], "0123456789") != NULL;
		FZ_CHECK(digit);
	}
	/* A smaller max keeps the first of the same spans. */
	m = nr / 2;
	nr2 = va_redact_find(tk, w, n, r2, m);
	FZ_CHECK(nr2 == m);
	for (i = 0; i < nr2; i++)
		FZ_CHECK(r2[i].first == r[i].first &&
		    r2[i].last == r[i].last && r2[i].kind == r[i].kind);
}

/* The words joined by spaces with each span "[kind]": a new string. */
static char *
ref_join(char *const *w, int n, const struct va_redaction *r, int nr)
{
	size_t len = 1, o = 0;
	char *s;
	int i, k = 0;

	for (i = 0; i < n; i++)
		len += strlen(w[i]) + 32;
	if ((s = malloc(len)) == NULL)
		abort();
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		if (o > 0)
			s[o++] = ' ';
		if (k < nr && r[k].first == i) {
			o += (size_t)sprintf(s + o, "[%s]",
			    va_redact_kind_name(r[k].kind));
			i = r[k++].last;
		} else
			o += (size_t)sprintf(s + o, "%s", w[i]);
	}
	return s;
}

static int
ref_luhn(const char *d, size_t n)
{
	int sum = 0, v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = d[n - 1 - i] - '0';
		if (i % 2 == 1)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	return sum % 10 == 0;
}

/* A tracking number whose check digit holds. */
static int
valid_tracking(const char *s)
{
	struct va_tracking_match m[16];
	int nm, i;

	nm = va_tracking_detect(s, m, 16);
	for (i = 0; i < nm && i < 16; i++)
		if (m[i].valid && m[i].has_check)
			return 1;
	return 0;
}

static int
word_said(const struct va_toks *tk, const char *const *ws)
{
	int i, k;

	for (i = 0; i < tk->n; i++)
		for (k = 0; ws[k] != NULL; k++)
			if (!tk->t[i].num && strcmp(tk->t[i].s, ws[k]) == 0)
				return 1;
	return 0;
}

/* The digits d (length n) are a card number as redact.h has it. */
static int
ref_card(const char *d, size_t n, int card_ctx, int track_ctx)
{
	char run[256];
	size_t k;
	int card = 0;

	snprintf(run, sizeof(run), "%.*s", (int)n, d);
	if (n >= 13 && n <= 19 && ref_luhn(d, n))
		card = 1;
	if (card_ctx && n >= 12 && n <= 19)
		card = 1;
	for (k = 13; n > 19 && k <= 19; k++)
		if (ref_luhn(d, k))
			card = 1;
	if (!card)
		return 0;
	/* A valid tracking number: in tracking talk, or a longer run. */
	return !((n > 19 || (track_ctx && !card_ctx)) && valid_tracking(run));
}

/*
 * s with every piece of letters and digits that is a valid tracking
 * number holding a letter ("1Z...") turned to '_': redact.h reads it as
 * itself, and its digits with no others.
 */
static void
blank_tracking(char *s)
{
	char piece[64];
	size_t k, n, i;
	int letter;

	for (k = 0; s[k] != '\0'; k += n) {
		for (n = 0, letter = 0; isalnum((unsigned char)s[k + n]); n++)
			letter |= isalpha((unsigned char)s[k + n]) != 0;
		if (n == 0) {
			n = 1;
			continue;
		}
		if (!letter || n >= sizeof(piece))
			continue;
		memcpy(piece, s + k, n);
		piece[n] = '\0';
		if (valid_tracking(piece))
			for (i = 0; i < n; i++)
				s[k + i] = '_';
	}
}

/*
 * No card number among the digits of s (a token's digits, a word, or the
 * text): each stretch of digits alone, each maximal stretch of digit
 * groups joined by one of sep, and when word is set all the digits of
 * each part of s between valid tracking numbers taken together.
 */
static void
check_digits(const char *text, const char *s0, const char *sep, int word,
    int card_ctx, int track_ctx)
{
	char *s, *d, *all;
	size_t k, e, end, n, na = 0;

	if ((s = strdup(s0)) == NULL || (d = strdup(s0)) == NULL ||
	    (all = strdup(s0)) == NULL)
		abort();
	blank_tracking(s);
	for (k = 0; s[k] != '\0'; k = end) {
		if (!isdigit((unsigned char)s[k])) {
			if (word && s[k] == '_' && na > 0) {
				FZ_CHECK(!ref_card(all, na, card_ctx,
				    track_ctx));
				na = 0;
			}
			end = k + 1;
			continue;
		}
		for (end = k, n = 0; isdigit((unsigned char)s[end]) ||
		    (s[end] != '\0' && strchr(sep, s[end]) != NULL &&
		    isdigit((unsigned char)s[end - 1]) &&
		    isdigit((unsigned char)s[end + 1])); end++)
			if (isdigit((unsigned char)s[end]))
				d[n++] = s[end];
		if (ref_card(d, n, card_ctx, track_ctx))
			fprintf(stderr, "redacted: %s\ncard %.*s in %s\n", text,
			    (int)n, d, s0);
		FZ_CHECK(!ref_card(d, n, card_ctx, track_ctx));
		memcpy(all + na, d, n);
		na += n;
		/* Each stretch of digits alone. */
		for (e = k; e < end; e += n) {
			if ((n = strspn(s + e, "0123456789")) == 0) {
				n = 1;
				continue;
			}
			if (ref_card(s + e, n, card_ctx, track_ctx))
				fprintf(stderr, "redacted: %s\ncard %.*s\n",
				    text, (int)n, s + e);
			FZ_CHECK(!ref_card(s + e, n, card_ctx, track_ctx));
		}
	}
	if (word && na > 0) {
		if (ref_card(all, na, card_ctx, track_ctx))
			fprintf(stderr, "redacted: %s\ncard in %s\n", text, s0);
		FZ_CHECK(!ref_card(all, na, card_ctx, track_ctx));
	}
	free(all);
	free(d);
	free(s);
}

/* ddd-dd-dddd somewhere in c, with no digit either side. */
static int
ssn_written(const char *c)
{
	static const char pat[] = "ddd-dd-dddd";
	size_t k;
	int i;

	for (k = 0; c[k] != '\0'; k++) {
		if (k > 0 && isdigit((unsigned char)c[k - 1]))
			continue;
		for (i = 0; pat[i] != '\0'; i++)
			if (pat[i] == 'd' ? !isdigit((unsigned char)c[k + i]) :
			    c[k + i] != '-')
				break;
		if (pat[i] == '\0' && !isdigit((unsigned char)c[k + i]))
			return 1;
	}
	return 0;
}

/* What the redacted text holds when read again. */
static void
check_second_pass(const char *text)
{
	static const char *const card_w[] = { "card", "visa", "mastercard",
		"amex", NULL };
	static const char *const track_w[] = { "tracking", "track",
		"package", "parcel", "shipment", NULL };
	struct va_redaction r[MAXW];
	struct va_toks tk;
	const struct va_tok *t;
	char *w[MAXW], *blanked;
	int n, nr, i, card_ctx, track_ctx, skip;
	size_t k, d, o;

	n = split(text, w);
	FZ_CHECK(va_spoken_parse(&tk, w, n) == 0);
	nr = va_redact_find(&tk, w, n, r, MAXW);
	if (nr != 0)
		fprintf(stderr, "redacted: %s\nfound %s at %d again\n", text,
		    va_redact_kind_name(r[0].kind), r[0].first);
	FZ_CHECK(nr == 0);
	card_ctx = word_said(&tk, card_w);
	track_ctx = word_said(&tk, track_w);
	/*
	 * The digits of every number token, every word, and the text: a
	 * number token that is a valid tracking number is read as itself.
	 */
	if ((blanked = strdup(text)) == NULL)
		abort();
	for (i = 0, o = 0; i < tk.n; i++) {
		t = &tk.t[i];
		if (t->num)
			check_digits(text, t->s, ".", 1, card_ctx, track_ctx);
		/*
		 * A run that is a valid tracking number where redact.h lets
		 * it be (letters, more than 19 digits, or parcel talk and
		 * no card) is no card whatever its words say.
		 */
		skip = t->num && valid_tracking(t->s) && (t->alpha ||
		    strlen(t->s) > 19 || (track_ctx && !card_ctx));
		for (k = (size_t)t->first; k <= (size_t)t->last; k++) {
			if (o > 0)
				blanked[o++] = ' ';
			for (d = 0; w[k][d] != '\0'; d++)
				blanked[o++] = skip ? '_' : w[k][d];
			if (!skip)
				check_digits(text, w[k], "-./", 1, card_ctx,
				    track_ctx);
			if (ssn_written(w[k]))
				fprintf(stderr, "redacted: %s\nssn %s\n", text,
				    w[k]);
			FZ_CHECK(!ssn_written(w[k]));
		}
	}
	blanked[o] = '\0';
	check_digits(text, blanked, "-./ ", 0, card_ctx, track_ctx);
	free(blanked);
	va_spoken_free(&tk);
	free_words(w, n);
}

static int
all_digits(const char *s, size_t lo, size_t hi)
{
	size_t n = strspn(s, "0123456789");

	return s[n] == '\0' && n >= lo && n <= hi;
}

static void
check_date(const char *v)
{
	struct tm tm;
	int y, m, d;
	char tail;
	time_t t;

	FZ_CHECK(sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3);
	FZ_CHECK(strlen(v) == 10);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	t = timegm(&tm);
	/* A real day: timegm() did not carry it into another. */
	FZ_CHECK(tm.tm_year == y - 1900 && tm.tm_mon == m - 1 &&
	    tm.tm_mday == d);
	FZ_CHECK((int64_t)t * 1000 >= NOW - 367 * DAY * 1000 &&
	    (int64_t)t * 1000 <= NOW + 8 * DAY * 1000);
}

static void
check_entity(const struct va_entity *e, int track_ctx)
{
	struct va_tracking_match m[16];
	const char *v = e->value;
	char num[32];
	int nm, i, ok;

	FZ_CHECK(e->type != NULL);
	FZ_CHECK(memchr(v, '\0', sizeof(e->value)) != NULL);
	FZ_CHECK(memchr(e->carrier, '\0', sizeof(e->carrier)) != NULL);
	FZ_CHECK(memchr(e->currency, '\0', sizeof(e->currency)) != NULL);
	if (strcmp(e->type, "order_number") == 0) {
		FZ_CHECK(all_digits(v + (v[0] == '#'), 3, 12));
	} else if (strcmp(e->type, "phone") == 0) {
		FZ_CHECK(v[0] == '+' && all_digits(v + 1, 7, 127));
	} else if (strcmp(e->type, "money") == 0) {
		FZ_CHECK(e->minor >= 0);
		FZ_CHECK(strcmp(e->currency, "USD") == 0 ||
		    strcmp(e->currency, "EUR") == 0 ||
		    strcmp(e->currency, "GBP") == 0);
		snprintf(num, sizeof(num), "%lld", (long long)e->minor);
		FZ_CHECK(strcmp(v, num) == 0);
	} else if (strcmp(e->type, "date") == 0) {
		check_date(v);
	} else if (strcmp(e->type, "email") == 0) {
		FZ_CHECK(strchr(v, '@') != NULL);
	} else if (strcmp(e->type, "tracking_number") == 0) {
		FZ_CHECK(e->valid || track_ctx);
		nm = va_tracking_detect(v, m, 16);
		for (i = 0, ok = 0; i < nm && i < 16; i++)
			if (strcmp(va_carrier_name(m[i].carrier),
			    e->carrier) == 0 && m[i].valid >= e->valid)
				ok = 1;
		FZ_CHECK(ok);
	} else
		FZ_CHECK(!"an entity type entities.h does not name");
}

static void
check_entities(const struct va_toks *tk, char *const *w, int n,
    const struct va_redaction *r, int nr)
{
	static const char *const track_w[] = { "tracking", "track", NULL };
	struct va_entity e[MAXW], e2[MAXW];
	int ne, ne2, i, k, track_ctx;

	ne = va_entities_find(tk, w, n, r, nr, NOW, e, MAXW);
	FZ_CHECK(ne >= 0 && ne <= MAXW);
	track_ctx = word_said(tk, track_w);
	for (i = 0; i < ne; i++) {
		FZ_CHECK(e[i].first >= 0 && e[i].first <= e[i].last &&
		    e[i].last < n);
		if (i > 0 && e[i].first <= e[i - 1].last)
			fprintf(stderr, "%s [%d,%d] then %s [%d,%d]\n",
			    e[i - 1].type, e[i - 1].first, e[i - 1].last,
			    e[i].type, e[i].first, e[i].last);
		FZ_CHECK(i == 0 || e[i].first > e[i - 1].last);
		for (k = 0; k < nr; k++)
			FZ_CHECK(e[i].last < r[k].first ||
			    e[i].first > r[k].last);
		check_entity(&e[i], track_ctx);
	}
	/* A smaller max keeps the first of the same entities. */
	ne2 = va_entities_find(tk, w, n, r, nr, NOW, e2, ne / 2);
	FZ_CHECK(ne2 == ne / 2);
	for (i = 0; i < ne2; i++)
		FZ_CHECK(e2[i].first == e[i].first && e2[i].last == e[i].last &&
		    strcmp(e2[i].type, e[i].type) == 0 &&
		    strcmp(e2[i].value, e[i].value) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct va_redaction r[MAXW];
	struct va_toks tk;
	char *text, *w[MAXW], *joined, *want;
	int n, nr;

	if (!ready) {
		setenv("TZ", "UTC", 1);
		tzset();
		ready = 1;
	}
	if (size > MAXIN)
		size = MAXIN;
	if ((text = strndup((const char *)data, size)) == NULL)
		abort();
	n = split(text, w);
	FZ_CHECK(va_spoken_parse(&tk, w, n) == 0);
	check_tokens(&tk, w, n);
	nr = va_redact_find(&tk, w, n, r, MAXW);
	check_redactions(&tk, w, n, r, nr, MAXW);
	if ((joined = va_redact_join(w, n, r, nr)) == NULL)
		abort();
	want = ref_join(w, n, r, nr);
	FZ_CHECK(strcmp(joined, want) == 0);
	check_second_pass(joined);
	check_entities(&tk, w, n, r, nr);
	free(want);
	free(joined);
	va_spoken_free(&tk);
	free_words(w, n);
	free(text);
	return 0;
}
