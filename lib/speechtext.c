/*
 * speechtext.c - normalising reply text for speech, the SSML subset, and
 * sentence and phrase splitting (see speechtext.h).
 *
 * Normalisation writes a stream of space-separated words; a pause from
 * <break> is a word of its own, PAUSE followed by its milliseconds. The
 * planner then cuts that stream into sentences at words ending in . ! or ?
 * and long sentences into phrases.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "speechtext.h"
#include "strbuf.h"

#define PAUSE	'\001'
#define GLUE	'\002'	/* a space that phrase splitting keeps */
#define MAX_PAUSE 10000	/* ms, of one break and of breaks in a row */

/* Add a word, with one space before it unless at the start. */
static void
sb_word(struct va_strbuf *b, const char *w)
{
	if (b->len > 0 && b->s[b->len - 1] != ' ')
		va_strbuf_addn(b, " ", 1);
	va_strbuf_add(b, w);
}

/* Append punctuation to the last word (no space). */
static void
sb_punct(struct va_strbuf *b, const char *p)
{
	while (b->len > 0 && b->s[b->len - 1] == ' ')
		b->s[--b->len] = '\0';
	va_strbuf_add(b, p);
}

static char *
sb_take(struct va_strbuf *b)
{
	char *s;

	if (b->oom) {
		free(b->s);
		return NULL;
	}
	if (b->s == NULL)
		return strdup("");
	/* No trailing space. */
	while (b->len > 0 && b->s[b->len - 1] == ' ')
		b->s[--b->len] = '\0';
	s = b->s;
	b->s = NULL;
	return s;
}

/*
 * Join the words written since start with GLUE, so that a phone number,
 * an amount or a date is never split between two phrases.
 */
static void
glue_from(struct va_strbuf *b, size_t start)
{
	size_t i;

	if (b->oom)
		return;
	while (start < b->len && b->s[start] == ' ')
		start++;
	for (i = start; i < b->len; i++)
		if (b->s[i] == ' ' && i + 1 < b->len)
			b->s[i] = GLUE;
}

static void
unglue(char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (*s == GLUE)
			*s = ' ';
}

/* Numbers. */

static const char *const ones[] = { "zero", "one", "two", "three", "four",
	"five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
	"thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
	"nineteen" };
static const char *const tens[] = { "", "", "twenty", "thirty", "forty",
	"fifty", "sixty", "seventy", "eighty", "ninety" };
static const char *const months[] = { "January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December" };

static void
say_below1000(struct va_strbuf *b, unsigned n)
{
	if (n >= 100) {
		sb_word(b, ones[n / 100]);
		sb_word(b, "hundred");
		n %= 100;
		if (n == 0)
			return;
	}
	if (n >= 20) {
		sb_word(b, tens[n / 10]);
		if (n % 10)
			sb_word(b, ones[n % 10]);
	} else
		sb_word(b, ones[n]);
}

static void
say_int(struct va_strbuf *b, uint64_t n)
{
	static const struct {
		uint64_t scale;
		const char *name;
	} scales[] = {
		{ 1000000000000ULL, "trillion" },
		{ 1000000000ULL, "billion" },
		{ 1000000ULL, "million" },
		{ 1000ULL, "thousand" },
	};
	size_t i;

	if (n == 0) {
		sb_word(b, "zero");
		return;
	}
	for (i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		if (n >= scales[i].scale) {
			if (n / scales[i].scale >= 1000)
				say_int(b, n / scales[i].scale);
			else
				say_below1000(b, (unsigned)(n /
				    scales[i].scale));
			sb_word(b, scales[i].name);
			n %= scales[i].scale;
		}
	}
	if (n > 0)
		say_below1000(b, (unsigned)n);
}

/* Rewrite the last word of b as an ordinal ("one" -> "first"). */
static void
ordinalize(struct va_strbuf *b)
{
	static const struct {
		const char *card, *ord;
	} irregular[] = {
		{ "one", "first" }, { "two", "second" }, { "three", "third" },
		{ "five", "fifth" }, { "eight", "eighth" }, { "nine", "ninth" },
		{ "twelve", "twelfth" },
	};
	char *w;
	size_t i, wl;

	if (b->oom || b->len == 0)
		return;
	w = strrchr(b->s, ' ');
	w = w != NULL ? w + 1 : b->s;
	wl = strlen(w);
	for (i = 0; i < sizeof(irregular) / sizeof(irregular[0]); i++)
		if (strcmp(w, irregular[i].card) == 0) {
			b->len -= wl;
			b->s[b->len] = '\0';
			va_strbuf_add(b, irregular[i].ord);
			return;
		}
	if (wl > 0 && w[wl - 1] == 'y') {
		b->len--;
		b->s[b->len] = '\0';
		va_strbuf_add(b, "ieth");
	} else
		va_strbuf_add(b, "th");
}

static void
say_year(struct va_strbuf *b, unsigned y)
{
	if (y < 1000 || y > 9999 || (y >= 2000 && y < 2010)) {
		say_int(b, y);
		return;
	}
	say_below1000(b, y / 100);
	if (y % 100 == 0)
		sb_word(b, "hundred");
	else if (y % 100 < 10) {
		sb_word(b, "oh");
		sb_word(b, ones[y % 100]);
	} else
		say_below1000(b, y % 100);
}

static void
say_digit(struct va_strbuf *b, int c)
{
	sb_word(b, ones[c - '0']);
}

/*
 * Spell letters and digits; others are skipped. group > 0 puts a comma
 * after every group characters (not after the last). The words of a group
 * (of the whole, without groups) are glued: a phrase may end only between
 * groups.
 */
static void
spell(struct va_strbuf *b, const char *s, size_t n, int group)
{
	size_t i, k = 0, total = 0, gs = b->len;
	char l[2];

	for (i = 0; i < n; i++)
		if (isalnum((unsigned char)s[i]))
			total++;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]))
			continue;
		if (isdigit((unsigned char)s[i]))
			say_digit(b, s[i]);
		else {
			l[0] = (char)toupper((unsigned char)s[i]);
			l[1] = '\0';
			sb_word(b, l);
		}
		k++;
		if (group > 0 && k % (size_t)group == 0 && k < total) {
			sb_punct(b, ",");
			glue_from(b, gs);
			gs = b->len;
		}
	}
	glue_from(b, gs);
}

/* Parse up to max digits at s; returns how many, value in *v. */
static size_t
digits(const char *s, size_t max, uint64_t *v)
{
	size_t n = 0;

	*v = 0;
	while (n < max && isdigit((unsigned char)s[n])) {
		if (*v < 100000000000000000ULL)
			*v = *v * 10 + (uint64_t)(s[n] - '0');
		n++;
	}
	return n;
}

static int
boundary(const char *s, size_t i)
{
	return s[i] == '\0' || !isalnum((unsigned char)s[i]);
}

/* Money. */

struct currency {
	const char *code;
	const char *symbol;
	const char *major, *majors;
	const char *minor, *minors;
	int	exp;
};

static const struct currency currencies[] = {
	{ "USD", "$", "dollar", "dollars", "cent", "cents", 2 },
	{ "EUR", "\xe2\x82\xac", "euro", "euros", "cent", "cents", 2 },
	{ "GBP", "\xc2\xa3", "pound", "pounds", "penny", "pence", 2 },
	{ "CAD", NULL, "Canadian dollar", "Canadian dollars", "cent",
	  "cents", 2 },
	{ "AUD", NULL, "Australian dollar", "Australian dollars", "cent",
	  "cents", 2 },
	{ "CHF", NULL, "franc", "francs", "centime", "centimes", 2 },
	{ "JPY", "\xc2\xa5", "yen", "yen", NULL, NULL, 0 },
};

static const struct currency *
currency_by_code(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++)
		if (n == 3 && strncasecmp(s, currencies[i].code, 3) == 0)
			return &currencies[i];
	return NULL;
}

static const struct currency *
currency_by_symbol(const char *s, size_t *n)
{
	size_t i, l;

	for (i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++) {
		if (currencies[i].symbol == NULL)
			continue;
		l = strlen(currencies[i].symbol);
		if (strncmp(s, currencies[i].symbol, l) == 0) {
			*n = l;
			return &currencies[i];
		}
	}
	return NULL;
}

static void
say_money(struct va_strbuf *b, const struct currency *c, uint64_t major,
    uint64_t minor)
{
	if (major > 0 || minor == 0 || c->minor == NULL) {
		say_int(b, major);
		sb_word(b, major == 1 ? c->major : c->majors);
	}
	if (minor > 0 && c->minor != NULL) {
		if (major > 0)
			sb_word(b, "and");
		say_int(b, minor);
		sb_word(b, minor == 1 ? c->minor : c->minors);
	}
}

/*
 * An amount in major units at s: digits with optional thousands commas
 * and decimals. Returns its length (0 if none, or more than 15 digits
 * before any comma or point) and sets major and minor (decimals scaled
 * to exp digits, the rest of them read and dropped).
 */
static size_t
amount(const char *s, int exp, uint64_t *major, uint64_t *minor)
{
	size_t i = 0, n;
	uint64_t v, g;
	int k;

	if ((n = digits(s, 16, &v)) == 0 || n > 15)
		return 0;
	i = n;
	/*
	 * Thousands separators only after a group of 1 to 3 digits, and
	 * only while the amount stays below 10^18, far from wrapping.
	 */
	while (n <= 3 && v < 1000000000000000ULL && s[i] == ',' &&
	    digits(s + i + 1, 4, &g) == 3) {
		v = v * 1000 + g;
		i += 4;
	}
	*major = v;
	*minor = 0;
	if (s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
		n = digits(s + i + 1, SIZE_MAX, &g);
		for (k = 0; k < exp; k++)
			*minor = *minor * 10 +
			    ((size_t)k < n ? (uint64_t)(s[i + 1 + k] - '0') : 0);
		i += 1 + n;
	}
	return i;
}

/* "$12.50", "12.50 EUR", "USD 12.50"; returns the length or 0. */
static size_t
match_money(struct va_strbuf *b, const char *s)
{
	const struct currency *c;
	uint64_t major, minor;
	size_t n, sym, i;

	if ((c = currency_by_symbol(s, &sym)) != NULL) {
		if ((n = amount(s + sym, c->exp, &major, &minor)) == 0)
			return 0;
		say_money(b, c, major, minor);
		return sym + n;
	}
	if (isalpha((unsigned char)s[0]) && (c = currency_by_code(s, 3)) !=
	    NULL && s[3] == ' ' && isdigit((unsigned char)s[4])) {
		if ((n = amount(s + 4, c->exp, &major, &minor)) == 0 ||
		    !boundary(s, 4 + n))
			return 0;
		say_money(b, c, major, minor);
		return 4 + n;
	}
	if (!isdigit((unsigned char)s[0]))
		return 0;
	if ((n = amount(s, 2, &major, &minor)) == 0 || s[n] != ' ')
		return 0;
	i = n + 1;
	if ((c = currency_by_code(s + i, 3)) == NULL || !boundary(s, i + 3))
		return 0;
	amount(s, c->exp, &major, &minor);
	say_money(b, c, major, minor);
	return i + 3;
}

/* Dates and times. */

static void
say_date(struct va_strbuf *b, unsigned y, unsigned m, unsigned d)
{
	sb_word(b, months[m - 1]);
	say_int(b, d);
	ordinalize(b);
	sb_punct(b, ",");
	say_year(b, y);
}

/* "2024-03-05" or "3/5/2024" (month first); returns the length or 0. */
static size_t
match_date(struct va_strbuf *b, const char *s)
{
	uint64_t y, m, d;
	size_t n1, n2, n3;

	n1 = digits(s, 5, &y);
	if (n1 == 4 && s[4] == '-' && (n2 = digits(s + 5, 3, &m)) == 2 &&
	    s[7] == '-' && (n3 = digits(s + 8, 3, &d)) == 2 &&
	    boundary(s, 10) && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
		say_date(b, (unsigned)y, (unsigned)m, (unsigned)d);
		return 10;
	}
	m = y;
	if (n1 >= 1 && n1 <= 2 && s[n1] == '/' &&
	    (n2 = digits(s + n1 + 1, 3, &d)) >= 1 && n2 <= 2 &&
	    s[n1 + 1 + n2] == '/' &&
	    digits(s + n1 + n2 + 2, 5, &y) == 4 &&
	    boundary(s, n1 + n2 + 6) && m >= 1 && m <= 12 && d >= 1 &&
	    d <= 31) {
		say_date(b, (unsigned)y, (unsigned)m, (unsigned)d);
		return n1 + n2 + 6;
	}
	return 0;
}

/* am/pm right after a time (with or without a space); its length or 0. */
static size_t
ampm(const char *s, int *pm)
{
	size_t i = s[0] == ' ' ? 1 : 0;
	int c = tolower((unsigned char)s[i]);

	if (c != 'a' && c != 'p')
		return 0;
	*pm = c == 'p';
	if (tolower((unsigned char)s[i + 1]) == 'm' && boundary(s, i + 2))
		return i + 2;
	if (s[i + 1] == '.' && tolower((unsigned char)s[i + 2]) == 'm' &&
	    s[i + 3] == '.')
		return i + 4;
	return 0;
}

static void
say_time(struct va_strbuf *b, unsigned h, unsigned m, int suffix, int pm)
{
	unsigned h12;

	if (!suffix && h == 12 && m == 0) {
		sb_word(b, "noon");
		return;
	}
	if (!suffix && (h == 0 || h >= 13)) {
		suffix = 1;
		pm = h >= 12;
	}
	h12 = h % 12 == 0 ? 12 : h % 12;
	say_int(b, h12);
	if (m == 0 && !suffix)
		sb_word(b, "o'clock");
	else if (m > 0 && m < 10) {
		sb_word(b, "oh");
		say_int(b, m);
	} else if (m > 0)
		say_int(b, m);
	if (suffix)
		sb_word(b, pm ? "PM" : "AM");
}

/*
 * "14:30", "9:05 am", "10am", "5 p.m.", "0:15 am"; returns the length
 * or 0.
 */
static size_t
match_time(struct va_strbuf *b, const char *s)
{
	uint64_t h, m = 0;
	size_t n, i, k;
	int pm = 0;

	if ((n = digits(s, 3, &h)) == 0 || n > 2 || h > 23)
		return 0;
	i = n;
	if (s[i] == ':') {
		if (digits(s + i + 1, 3, &m) != 2 || m > 59)
			return 0;
		i += 3;
		if (isdigit((unsigned char)s[i]) || s[i] == ':')
			return 0;
		/*
		 * On a 24-hour clock the hour says AM or PM: a suffix that
		 * agrees is said once ("0:15 am"), one that does not is text.
		 */
		if ((k = ampm(s + i, &pm)) > 0 &&
		    ((h == 0 && pm) || (h >= 13 && !pm)))
			k = 0;
		say_time(b, (unsigned)h, (unsigned)m, k > 0, pm);
		return i + k;
	}
	if (h == 0 || h > 12 || (k = ampm(s + i, &pm)) == 0)
		return 0;
	say_time(b, (unsigned)h, 0, 1, pm);
	return i + k;
}

/*
 * A phone number: an optional +country, then groups of 1 to 4 digits
 * separated by one space, dash or dot, the first may be in parentheses;
 * at least three groups (or two ending in four digits after a +), 7 to 15
 * digits. Said group by group.
 */
static size_t
match_phone(struct va_strbuf *b, const char *s)
{
	size_t i = 0, st[8], ln[8], ng = 0, total = 0, n, k;
	uint64_t v;
	int plus = 0, paren, hard = 0;

	if (s[0] == '+') {
		plus = 1;
		i = 1;
	}
	for (;;) {
		paren = s[i] == '(' && ng == (size_t)plus;
		if (paren)
			i++;
		if ((n = digits(s + i, 5, &v)) == 0 || n > 4 || ng == 8)
			return 0;
		st[ng] = i;
		ln[ng++] = n;
		total += n;
		i += n;
		if (paren) {
			if (s[i] != ')')
				return 0;
			i++;
			hard = 1;
			if (s[i] == ' ' || s[i] == '-')
				i++;
			continue;
		}
		if ((s[i] == ' ' || s[i] == '-' || s[i] == '.') &&
		    (isdigit((unsigned char)s[i + 1]) || s[i + 1] == '(')) {
			hard |= s[i] != ' ';
			i++;
			continue;
		}
		break;
	}
	if (!boundary(s, i) || total < 7 || total > 15 || ln[ng - 1] < 3 ||
	    (ng < 3 && !plus && !(ln[0] == 3 && ln[1] == 4)) ||
	    (!hard && !plus && total < 10))
		return 0;
	if (plus)
		sb_word(b, "plus");
	for (k = 0; k < ng; k++) {
		spell(b, s + st[k], ln[k], 0);
		if (k + 1 < ng)
			sb_punct(b, ",");
	}
	return i;
}

/* Words. */

static int
word_in(const char *w, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncasecmp(w, *list, n) == 0)
			return 1;
	return 0;
}

/* Words after which a number is an identifier, said digit by digit. */
static const char *const id_words[] = { "order", "number", "no", "ticket",
	"reference", "ref", "confirmation", "code", "account", "pin", "zip",
	"id", "invoice", "case", "tracking", "extension", "ext", "payment",
	"refund", "shipment", "parcel", "package", NULL };

static const struct {
	const char *abbr, *say;
} abbrevs[] = {
	{ "Mr.", "Mister" }, { "Mrs.", "Missus" }, { "Ms.", "Miz" },
	{ "Dr.", "Doctor" }, { "St.", "Street" }, { "Ave.", "Avenue" },
	{ "e.g.", "for example" }, { "i.e.", "that is" },
	{ "vs.", "versus" }, { "approx.", "approximately" },
	{ "No.", "number" }, { "Inc.", "Incorporated" },
};

/* Length of the alphanumeric run at s. */
static size_t
alnum_run(const char *s, int *letters, int *nums)
{
	size_t n = 0;

	*letters = *nums = 0;
	while (isalnum((unsigned char)s[n])) {
		if (isdigit((unsigned char)s[n]))
			(*nums)++;
		else
			(*letters)++;
		n++;
	}
	return n;
}

/* An email address at s ("a.b@shop.com"); its length or 0. */
static size_t
match_email(struct va_strbuf *b, const char *s)
{
	size_t i = 0, at = 0, end;

	while (isalnum((unsigned char)s[i]) ||
	    (s[i] != '\0' && strchr("._+-@", s[i]) != NULL)) {
		if (s[i] == '@') {
			if (at != 0)
				return 0;
			at = i;
		}
		i++;
	}
	if (at == 0 || at + 1 >= i)
		return 0;
	/* A trailing dot ends the sentence, not the address. */
	while (i > at && !isalnum((unsigned char)s[i - 1]))
		i--;
	if (memchr(s + at, '.', i - at) == NULL)
		return 0;
	end = i;
	for (i = 0; i < end; i++) {
		switch (s[i]) {
		case '@': sb_word(b, "at"); break;
		case '.': sb_word(b, "dot"); break;
		case '_': sb_word(b, "underscore"); break;
		case '-': sb_word(b, "dash"); break;
		case '+': sb_word(b, "plus"); break;
		default: {
			size_t k = i;

			/* Digits one by one, like any identifier. */
			if (isdigit((unsigned char)s[i])) {
				say_digit(b, s[i]);
				break;
			}
			while (k < end && isalpha((unsigned char)s[k]))
				k++;
			if (b->len > 0 && b->s[b->len - 1] != ' ')
				va_strbuf_addn(b, " ", 1);
			va_strbuf_addn(b, s + i, k - i);
			i = k - 1;
		}
		}
	}
	return end;
}

/* A number: ordinals, percentages, identifiers, decimals, cardinals. */
static size_t
match_number(struct va_strbuf *b, const char *s, int id_context)
{
	uint64_t v, major, minor;
	const char *dot;
	size_t n, i;
	int letters, nums;

	n = alnum_run(s, &letters, &nums);
	if (letters > 0) {
		/* 1st 2nd 3rd 4th */
		i = digits(s, 10, &v);
		if (i + 2 == n && i > 0 && i <= 9 &&
		    (strncasecmp(s + i, "st", 2) == 0 ||
		    strncasecmp(s + i, "nd", 2) == 0 ||
		    strncasecmp(s + i, "rd", 2) == 0 ||
		    strncasecmp(s + i, "th", 2) == 0)) {
			say_int(b, v);
			ordinalize(b);
			return n;
		}
		/* A code mixing letters and digits. */
		spell(b, s, n, n >= 8 ? 4 : 0);
		return n;
	}
	/* Identifiers, not quantities: not "12,345" nor "12345.6". */
	if ((id_context || n >= 5) && !((s[n] == ',' || s[n] == '.') &&
	    isdigit((unsigned char)s[n + 1]))) {
		spell(b, s, n, n >= 10 ? 4 : 0);
		return n;
	}
	/* Too long for an amount: digit by digit, and its decimals. */
	if (n > 15) {
		spell(b, s, n, 4);
		if (s[n] == '.' && isdigit((unsigned char)s[n + 1])) {
			sb_word(b, "point");
			for (n++; isdigit((unsigned char)s[n]); n++)
				say_digit(b, s[n]);
		}
		return n;
	}
	i = amount(s, 0, &major, &minor);
	say_int(b, major);
	if ((dot = memchr(s, '.', i)) != NULL) {
		sb_word(b, "point");
		for (dot++; dot < s + i; dot++)
			say_digit(b, *dot);
	}
	if (s[i] == '%') {
		sb_word(b, "percent");
		i++;
	}
	return i;
}

/* Is the previous word written one of list? */
static int
prev_word_in(const struct va_strbuf *b, const char *const *list)
{
	const char *w, *e;

	if (b->len == 0)
		return 0;
	e = b->s + b->len;
	while (e > b->s && e[-1] == ' ')
		e--;
	w = e;
	while (w > b->s && w[-1] != ' ')
		w--;
	return word_in(w, (size_t)(e - w), list);
}

static const char *const month_words[] = { "January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul",
	"Aug", "Sep", "Sept", "Oct", "Nov", "Dec", NULL };

static void
normalize_into(struct va_strbuf *b, const char *s)
{
	size_t i = 0, n, k;
	uint64_t v;
	int atword;

	while (s[i] != '\0') {
		unsigned char c = (unsigned char)s[i];

		/*
		 * A control character is a space: kept, \001 or \002 would
		 * be read by the planner as its own pause or glue.
		 */
		if (isspace(c) || iscntrl(c)) {
			if (b->len > 0 && b->s[b->len - 1] != ' ')
				va_strbuf_addn(b, " ", 1);
			i++;
			continue;
		}
		atword = i == 0 || !isalnum((unsigned char)s[i - 1]);
		if (atword) {
			for (k = 0; k < sizeof(abbrevs) / sizeof(abbrevs[0]);
			    k++) {
				n = strlen(abbrevs[k].abbr);
				if (strncmp(s + i, abbrevs[k].abbr, n) == 0 &&
				    (s[i + n] == '\0' || isspace(
				    (unsigned char)s[i + n])))
					break;
			}
			/* "No." is "number" only before one. */
			if (k < sizeof(abbrevs) / sizeof(abbrevs[0]) &&
			    strcmp(abbrevs[k].abbr, "No.") == 0 &&
			    !isdigit((unsigned char)s[i + n + (s[i + n] != '\0')]) &&
			    s[i + n + (s[i + n] != '\0')] != '#')
				k = sizeof(abbrevs) / sizeof(abbrevs[0]);
			if (k < sizeof(abbrevs) / sizeof(abbrevs[0])) {
				sb_word(b, abbrevs[k].say);
				i += n;
				continue;
			}
			k = b->len;
			if ((n = match_email(b, s + i)) > 0) {
				i += n;
				continue;
			}
			if ((n = match_money(b, s + i)) > 0 ||
			    (n = match_date(b, s + i)) > 0 ||
			    (n = match_phone(b, s + i)) > 0 ||
			    (n = match_time(b, s + i)) > 0) {
				glue_from(b, k);
				i += n;
				continue;
			}
		}
		if (c == '#' && isalnum((unsigned char)s[i + 1])) {
			int l, d;

			sb_word(b, "number");
			n = alnum_run(s + i + 1, &l, &d);
			spell(b, s + i + 1, n, n >= 10 ? 4 : 0);
			i += 1 + n;
			continue;
		}
		if (atword && isdigit(c) && prev_word_in(b, month_words) &&
		    (n = digits(s + i, 3, &v)) <= 2 && v >= 1 && v <= 31 &&
		    !isalnum((unsigned char)s[i + n]) && !(s[i + n] == '.' &&
		    isdigit((unsigned char)s[i + n + 1]))) {
			/* "March 5" is the fifth. */
			say_int(b, v);
			ordinalize(b);
			i += n;
			continue;
		}
		if (atword && isdigit(c)) {
			n = match_number(b, s + i, prev_word_in(b, id_words));
			i += n;
			continue;
		}
		if (isalnum(c) || c >= 0x80) {
			int l, d;

			/*
			 * Digits in a word are spelled, also where a match
			 * before stopped in the middle of it ("12,345a6"):
			 * engines read "a6" each their own way.
			 */
			n = alnum_run(s + i, &l, &d);
			if (d > 0) {
				spell(b, s + i, n, n >= 8 ? 4 : 0);
				i += n;
				continue;
			}
			/*
			 * A plain word, with apostrophes and UTF-8; it ends
			 * at a digit, said as a number of its own: a word
			 * like "cafe" with its accent, then "2024". Not at a
			 * word's start, a match before stopped in the middle
			 * of it ("$5abc"): its words and these are apart.
			 */
			if (b->len > 0 && b->s[b->len - 1] != ' ' && (!atword ||
			    isalnum((unsigned char)b->s[b->len - 1])))
				va_strbuf_addn(b, " ", 1);
			k = i;
			while (isalpha((unsigned char)s[k]) ||
			    (unsigned char)s[k] >= 0x80 ||
			    (s[k] == '\'' && isalpha((unsigned char)s[k + 1])))
				k++;
			va_strbuf_addn(b, s + i, k - i);
			i = k;
			continue;
		}
		switch (c) {
		case '&':
			sb_word(b, "and");
			break;
		case '%':
			sb_word(b, "percent");
			break;
		case '+':
			sb_word(b, "plus");
			break;
		case '@':
			sb_word(b, "at");
			break;
		case '.': case ',': case '?': case '!': case ';': case ':':
			va_strbuf_addn(b, s + i, 1);
			break;
		case '-':
			/* A minus sign: "-42", "-$25.99", "(-3)". */
			if ((i == 0 || isspace((unsigned char)s[i - 1]) ||
			    s[i - 1] == '(') && (isdigit((unsigned char)s[i + 1]) ||
			    (currency_by_symbol(s + i + 1, &n) != NULL &&
			    isdigit((unsigned char)s[i + 1 + n])))) {
				sb_word(b, "minus");
				break;
			}
			/* A dash between words is a pause; in words, nothing. */
			if (i > 0 && s[i - 1] == ' ')
				sb_punct(b, ",");
			else if (b->len > 0 && b->s[b->len - 1] != ' ')
				va_strbuf_addn(b, " ", 1);
			break;
		case '\'': case '"': case '(': case ')': case '*': case '_':
		case '[': case ']': case '{': case '}': case '~': case '`':
		case '^': case '|': case '\\':
			if (b->len > 0 && b->s[b->len - 1] != ' ' &&
			    !(c == '\'' || c == '"'))
				va_strbuf_addn(b, " ", 1);
			break;
		default:
			va_strbuf_addn(b, s + i, 1);
		}
		i++;
	}
}

char *
va_speechtext_normalize(const char *text)
{
	struct va_strbuf b = { 0 };
	char *s;

	normalize_into(&b, text);
	s = sb_take(&b);
	unglue(s);
	return s;
}

/* The interpret-as values known, with their aliases. */
static const char *const say_as_kinds[] = { "digits", "characters",
	"spell-out", "verbatim", "telephone", "phone", "cardinal", "number",
	"ordinal", "date", "time", "currency", "money", NULL };

/* Take back what was written since start. */
static void
unsay(struct va_strbuf *b, size_t start)
{
	if (!b->oom && b->s != NULL) {
		b->len = start;
		b->s[start] = '\0';
	}
}

/*
 * Say s as how asks, or return -1 with nothing written when how is
 * unknown or s does not fit it: all of s, so that the caller, saying it
 * as plain text instead, loses nothing ("12 apples" is no cardinal).
 */
static int
say_as_into(struct va_strbuf *b, const char *how, const char *s)
{
	const struct currency *c = NULL;
	uint64_t v, major, minor;
	size_t n, i, sym, neg, start = b->len;

	for (i = 0; say_as_kinds[i] != NULL; i++)
		if (strcmp(how, say_as_kinds[i]) == 0)
			break;
	if (say_as_kinds[i] == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0)
		return 0;
	if (strcmp(how, "digits") == 0) {
		for (i = 0; i < n; i++)
			if (isdigit((unsigned char)s[i]))
				say_digit(b, s[i]);
		return 0;
	}
	if (strcmp(how, "characters") == 0 || strcmp(how, "spell-out") == 0 ||
	    strcmp(how, "verbatim") == 0) {
		spell(b, s, n, 0);
		return 0;
	}
	if (strcmp(how, "telephone") == 0 || strcmp(how, "phone") == 0) {
		/* A full stop after the number ends the sentence. */
		size_t stop = n > 1 && s[n - 1] == '.', m;
		char *t = strndup(s, n - stop);

		if (t == NULL)
			return -1;
		m = match_phone(b, t);
		free(t);
		if (m != n - stop) {
			unsay(b, start);
			if (s[0] == '+')
				sb_word(b, "plus");
			spell(b, s, n - stop, 0);
		}
		if (stop)
			sb_punct(b, ".");
		return 0;
	}
	if (strcmp(how, "cardinal") == 0 || strcmp(how, "number") == 0 ||
	    strcmp(how, "ordinal") == 0) {
		/* A whole number: "3.5" is no cardinal, said as text. */
		neg = how[0] != 'o' && n > 1 && s[0] == '-';
		if (amount(s + neg, 0, &major, &minor) != n - neg ||
		    memchr(s, '.', n) != NULL)
			return -1;
		if (neg)
			sb_word(b, "minus");
		say_int(b, major);
		if (how[0] == 'o')
			ordinalize(b);
		return 0;
	}
	if (strcmp(how, "date") == 0) {
		if (match_date(b, s) == n)
			return 0;
		unsay(b, start);
		/* YYYYMMDD */
		if (n == 8 && digits(s, 9, &v) == 8 && v / 100 % 100 >= 1 &&
		    v / 100 % 100 <= 12 && v % 100 >= 1 && v % 100 <= 31) {
			say_date(b, (unsigned)(v / 10000),
			    (unsigned)(v / 100 % 100), (unsigned)(v % 100));
			return 0;
		}
		return -1;
	}
	if (strcmp(how, "time") == 0) {
		if (match_time(b, s) == n)
			return 0;
		unsay(b, start);
		/* An hour alone. */
		if (n <= 2 && digits(s, 3, &v) == n && v <= 23) {
			say_time(b, (unsigned)v, 0, 0, 0);
			return 0;
		}
		return -1;
	}
	if (strcmp(how, "currency") == 0 || strcmp(how, "money") == 0) {
		/* A code before or after; default dollars. */
		c = &currencies[0];
		if (n > 4 && s[3] == ' ' && isalpha((unsigned char)s[0]) &&
		    currency_by_code(s, 3) != NULL) {
			c = currency_by_code(s, 3);
			s += 4;
			n -= 4;
		} else if (n > 4 && s[n - 4] == ' ' &&
		    currency_by_code(s + n - 3, 3) != NULL) {
			c = currency_by_code(s + n - 3, 3);
			n -= 4;
		}
		/* Owed: "USD -0.42", "-$3". */
		if (n > 1 && s[0] == '-') {
			sb_word(b, "minus");
			s++;
			n--;
		}
		/* An integer is in minor units, as money travels in events. */
		if (digits(s, 18, &v) == n) {
			uint64_t scale = 1;
			int k;

			for (k = 0; k < c->exp; k++)
				scale *= 10;
			say_money(b, c, v / scale, v % scale);
			return 0;
		}
		if (currency_by_symbol(s, &sym) != NULL) {
			char *t = strndup(s, n);

			if (t == NULL)
				return -1;
			i = match_money(b, t);
			free(t);
			if (i == n)
				return 0;
			unsay(b, start);
			return -1;
		}
		if (amount(s, c->exp, &major, &minor) == n) {
			say_money(b, c, major, minor);
			return 0;
		}
		unsay(b, start);	/* "minus" */
		return -1;
	}
	return -1;
}

char *
va_speechtext_say_as(const char *interpret, const char *content)
{
	struct va_strbuf b = { 0 };

	char *s;

	if (say_as_into(&b, interpret, content) < 0) {
		free(b.s);
		return NULL;
	}
	s = sb_take(&b);
	unglue(s);
	return s;
}

/* SSML. */

/*
 * Decode the five named XML entities; new string. A numeric reference
 * ("&#36;") is left as it is, to be read as text.
 */
static char *
decode_entities(const char *s, size_t n)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = { { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
		{ "quot;", '"' }, { "apos;", '\'' } };
	struct va_strbuf b = { 0 };
	size_t i, k, l;
	char c;

	for (i = 0; i < n; i++) {
		if (s[i] != '&') {
			va_strbuf_addn(&b, s + i, 1);
			continue;
		}
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
			l = strlen(ents[k].name);
			if (i + 1 + l <= n &&
			    strncmp(s + i + 1, ents[k].name, l) == 0)
				break;
		}
		if (k < sizeof(ents) / sizeof(ents[0])) {
			c = ents[k].c;
			va_strbuf_addn(&b, &c, 1);
			i += l;
		} else
			va_strbuf_addn(&b, s + i, 1);
	}
	return va_strbuf_finish(&b);
}

/* The value of attribute name in a tag's text; new string or NULL. */
static char *
attr(const char *tag, size_t n, const char *name)
{
	size_t l = strlen(name), i, j;
	char q;

	for (i = 0; i + l + 2 < n; i++) {
		if ((i == 0 || isspace((unsigned char)tag[i - 1])) &&
		    strncmp(tag + i, name, l) == 0 && tag[i + l] == '=' &&
		    (tag[i + l + 1] == '"' || tag[i + l + 1] == '\'')) {
			q = tag[i + l + 1];
			for (j = i + l + 2; j < n && tag[j] != q; j++)
				;
			return decode_entities(tag + i + l + 2, j - (i + l + 2));
		}
	}
	return NULL;
}

static int
break_ms(const char *tag, size_t n)
{
	static const struct {
		const char *name;
		int ms;
	} strengths[] = { { "none", 0 }, { "x-weak", 100 }, { "weak", 200 },
		{ "medium", 400 }, { "strong", 700 }, { "x-strong", 1000 } };
	char *t, *end;
	double v;
	int ms = 400;
	size_t i;

	if ((t = attr(tag, n, "time")) != NULL) {
		v = strtod(t, &end);
		if (end != t && v >= 0) {
			if (strcmp(end, "s") == 0)
				v *= 1000;
			else if (strcmp(end, "ms") != 0 && *end != '\0')
				v = 400;
			ms = v > MAX_PAUSE ? MAX_PAUSE : (int)(v + 0.5);
		}
		free(t);
		return ms;
	}
	if ((t = attr(tag, n, "strength")) != NULL) {
		for (i = 0; i < sizeof(strengths) / sizeof(strengths[0]); i++)
			if (strcmp(t, strengths[i].name) == 0)
				ms = strengths[i].ms;
		free(t);
	}
	return ms;
}

static int
tag_is(const char *tag, size_t n, const char *name)
{
	size_t l = strlen(name);

	return n >= l && strncmp(tag, name, l) == 0 &&
	    (n == l || isspace((unsigned char)tag[l]) || tag[l] == '/');
}

static void
plain_into(struct va_strbuf *b, const char *s, size_t n)
{
	char *t = decode_entities(s, n);

	if (t == NULL) {
		b->oom = 1;
		return;
	}
	normalize_into(b, t);
	free(t);
}

/* Parse the markup of text into the word stream b. */
static void
ssml_into(struct va_strbuf *b, const char *s)
{
	const char *p = s, *lt, *gt, *close, *q;
	char *how, *content, pw[24];
	size_t tn, start, k;

	while (*p != '\0') {
		lt = strchr(p, '<');
		/* A '<' not opening a tag is text. */
		while (lt != NULL && !(isalpha((unsigned char)lt[1]) ||
		    lt[1] == '/' || lt[1] == '?' || lt[1] == '!'))
			lt = strchr(lt + 1, '<');
		if (lt == NULL || (gt = strchr(lt, '>')) == NULL) {
			plain_into(b, p, strlen(p));
			return;
		}
		plain_into(b, p, (size_t)(lt - p));
		tn = (size_t)(gt - lt - 1);
		p = gt + 1;
		if (tag_is(lt + 1, tn, "break")) {
			/*
			 * "Hi <break/>. Bye.": the full stop ends the
			 * sentence before the pause, not after it, where
			 * nothing would be left for it to end.
			 */
			for (q = p; *q == ' '; q++)
				;
			if (b->len > 0 && (k = strspn(q, ".!?;:,")) > 0) {
				va_strbuf_addn(b, q, k);
				p = q + k;
			}
			snprintf(pw, sizeof(pw), "%c%d", PAUSE,
			    break_ms(lt + 1, tn));
			sb_word(b, pw);
			va_strbuf_addn(b, " ", 1);
		} else if (tag_is(lt + 1, tn, "say-as")) {
			how = attr(lt + 1, tn, "interpret-as");
			close = strstr(p, "</say-as>");
			if (close == NULL)
				close = p + strlen(p);
			content = decode_entities(p, (size_t)(close - p));
			start = b->len;
			if (content == NULL)
				b->oom = 1;
			/*
			 * Markup in the content, or content that does not
			 * fit: it is read on as text, its tags dropped like
			 * any others, "</say-as>" too.
			 */
			else if (how != NULL && memchr(p, '<', (size_t)(close -
			    p)) == NULL && say_as_into(b, how, content) == 0) {
				/* Digits and codes may split; the rest not. */
				if (strcmp(how, "digits") != 0 &&
				    strcmp(how, "characters") != 0)
					glue_from(b, start);
				p = close + (*close != '\0' ?
				    strlen("</say-as>") : 0);
			}
			free(how);
			free(content);
			if (b->len > 0 && b->s[b->len - 1] != ' ')
				va_strbuf_addn(b, " ", 1);
		} else if (b->len > 0 && b->s[b->len - 1] != ' ')
			va_strbuf_addn(b, " ", 1);
	}
}

/* Planning. */

struct tok {
	char	*s;
	size_t	n;
	int	pause;		/* -1 for a word */
};

static int
ends_sentence(const struct tok *t)
{
	return t->pause < 0 && t->n > 0 && strchr(".!?", t->s[t->n - 1]) !=
	    NULL;
}

static int
ends_phrase(const struct tok *t)
{
	return t->pause < 0 && t->n > 0 && strchr(",;:", t->s[t->n - 1]) !=
	    NULL;
}

static const char *const conjunctions[] = { "and", "but", "or", "so",
	"because", "which", "while", "then", "if", "when", "until", NULL };

static int	tok_words(const struct tok *);

static int
add_chunk(struct va_speech_plan *plan, const struct tok *t, size_t n)
{
	struct va_speech_chunk *c, *nc;
	struct va_speech_part *parts;
	struct va_strbuf text = { 0 }, key = { 0 }, w = { 0 };
	size_t i, np = 0;
	char pk[32];
	int ms;

	if ((nc = realloc(plan->chunks, (plan->n + 1) * sizeof(*nc))) == NULL)
		return -1;
	plan->chunks = nc;
	if ((parts = calloc(n + 1, sizeof(*parts))) == NULL)
		return -1;
	c = &plan->chunks[plan->n];
	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		if (t[i].pause >= 0 && w.len == 0 && np > 0) {
			/* Breaks in a row add up, to one break's most. */
			ms = t[i].pause;
			if (ms > MAX_PAUSE - parts[np - 1].pause_ms)
				ms = MAX_PAUSE - parts[np - 1].pause_ms;
			parts[np - 1].pause_ms += ms;
			snprintf(pk, sizeof(pk), "<%dms>", ms);
			sb_word(&key, pk);
			continue;
		}
		if (t[i].pause >= 0) {
			parts[np].words = sb_take(&w);
			parts[np++].pause_ms = t[i].pause;
			memset(&w, 0, sizeof(w));
			snprintf(pk, sizeof(pk), "<%dms>", t[i].pause);
			sb_word(&key, pk);
			continue;
		}
		if (w.len > 0)
			va_strbuf_addn(&w, " ", 1);
		va_strbuf_addn(&w, t[i].s, t[i].n);
		if (text.len > 0)
			va_strbuf_addn(&text, " ", 1);
		va_strbuf_addn(&text, t[i].s, t[i].n);
		if (key.len > 0)
			va_strbuf_addn(&key, " ", 1);
		va_strbuf_addn(&key, t[i].s, t[i].n);
		c->words += tok_words(&t[i]);
	}
	if (w.len > 0 || np == 0)
		parts[np++].words = sb_take(&w);
	else
		free(w.s);
	c->parts = parts;
	c->nparts = np;
	c->text = sb_take(&text);
	c->key = sb_take(&key);
	plan->n++;
	unglue(c->text);
	unglue(c->key);
	for (i = 0; i < np; i++) {
		if (parts[i].words == NULL)
			return -1;
		unglue(parts[i].words);
	}
	return c->text == NULL || c->key == NULL ? -1 : 0;
}

/* Words in a token: glued words count one by one. */
static int
tok_words(const struct tok *t)
{
	size_t i;
	int w = 1;

	if (t->pause >= 0)
		return 0;
	for (i = 0; i < t->n; i++)
		if (t->s[i] == GLUE)
			w++;
	return w;
}

/*
 * Where a phrase may end when there is no comma or conjunction to end it
 * at: before a preposition, so "your parcel | for order".
 */
static const char *const prepositions[] = { "for", "to", "of", "on", "in",
	"at", "by", "with", "from", "about", "after", "before", NULL };

static int
word_before(const struct tok *t, size_t i, size_t n,
    const char *const *list)
{
	return i + 1 < n && t[i + 1].pause < 0 &&
	    word_in(t[i + 1].s, t[i + 1].n, list);
}

/*
 * Where to end the first chunk of a long sentence t[0..n): the latest
 * comma (unless it leaves the chunk under half), else before the latest
 * conjunction, else before the latest preposition, else at the word
 * limit. A chunk has three words where it can, and none of one or two
 * words comes before a long glued one. The lead of a reply is cut for
 * speed instead: two words are enough and the latest comma always wins,
 * so the limit may fall just before a number read out ("Your order | one
 * zero two three four").
 */
static size_t
phrase_end(const struct tok *t, size_t n, int max_words, int lead)
{
	size_t i, punct = 0, conj = 0, prep = 0;
	int words = 0, w, least = lead ? 2 : 3;

	for (i = 0; i < n; i++) {
		if ((w = tok_words(&t[i])) == 0)
			continue;
		/* No phrase too short before a long glued one. */
		if (words > 0 && words + w > max_words &&
		    (words >= least || words >= max_words))
			break;
		words += w;
		if (words < least)
			continue;
		if (ends_phrase(&t[i]))
			punct = i + 1;
		if (word_before(t, i, n, conjunctions))
			conj = i + 1;
		if (word_before(t, i, n, prepositions))
			prep = i + 1;
	}
	if (i >= n)
		return n;
	if (punct > 0 && (lead || punct * 2 >= i))
		return punct;
	if (conj > 0)
		return conj;
	if (prep > 0)
		return prep;
	if (punct > 0)
		return punct;
	return i;
}

static int
count_words(const struct tok *t, size_t n)
{
	size_t i;
	int w = 0;

	for (i = 0; i < n; i++)
		w += tok_words(&t[i]);
	return w;
}

int
va_speechtext_plan(const char *text, int max_words, int first_words,
    struct va_speech_plan *plan)
{
	struct va_strbuf b = { 0 };
	struct tok *t = NULL;
	size_t nt = 0, start, end, cut;
	char *s, *p;
	int rc = -1, lim;

	memset(plan, 0, sizeof(*plan));
	ssml_into(&b, text);
	if ((s = sb_take(&b)) == NULL)
		return -1;
	if ((t = calloc(strlen(s) / 2 + 2, sizeof(*t))) == NULL)
		goto out;
	for (p = s; *p != '\0';) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		t[nt].s = p;
		while (*p != '\0' && *p != ' ')
			p++;
		t[nt].n = (size_t)(p - t[nt].s);
		t[nt].pause = t[nt].s[0] == PAUSE ? atoi(t[nt].s + 1) : -1;
		/* Punctuation alone adds nothing to say. */
		if (t[nt].pause < 0 && strspn(t[nt].s, ".,;:!?") == t[nt].n) {
			/* "ready ." after markup: join it to the word. */
			if (nt > 0 && t[nt - 1].pause < 0) {
				memmove(t[nt - 1].s + t[nt - 1].n, t[nt].s,
				    t[nt].n);
				t[nt - 1].n += t[nt].n;
			}
			continue;
		}
		nt++;
	}
	for (start = 0; start < nt; start = end) {
		/* A pause between sentences belongs to the one before. */
		if (t[start].pause >= 0 && plan->n > 0) {
			struct va_speech_chunk *c = &plan->chunks[plan->n - 1];
			struct va_speech_part *last = &c->parts[c->nparts - 1];
			char pk[32];
			size_t kl = strlen(c->key);
			int ms = t[start].pause;

			/* Breaks in a row add up, to one break's most. */
			if (ms > MAX_PAUSE - last->pause_ms)
				ms = MAX_PAUSE - last->pause_ms;
			last->pause_ms += ms;
			snprintf(pk, sizeof(pk), " <%dms>", ms);
			if ((p = realloc(c->key, kl + strlen(pk) + 1)) == NULL)
				goto out;
			memcpy(p + kl, pk, strlen(pk) + 1);
			c->key = p;
			end = start + 1;
			continue;
		}
		for (end = start; end < nt && !ends_sentence(&t[end]); end++)
			;
		if (end < nt)
			end++;
		for (;;) {
			lim = plan->n == 0 && first_words > 0 ? first_words :
			    max_words;
			if (lim <= 0 || count_words(t + start, end - start) <=
			    lim)
				break;
			cut = phrase_end(t + start, end - start, lim,
			    plan->n == 0 && first_words > 0);
			if (add_chunk(plan, t + start, cut) < 0)
				goto out;
			start += cut;
		}
		if (end > start && add_chunk(plan, t + start, end - start) < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		va_speechtext_free(plan);
	free(t);
	free(s);
	return rc;
}

void
va_speechtext_free(struct va_speech_plan *plan)
{
	size_t i, k;

	for (i = 0; i < plan->n; i++) {
		for (k = 0; k < plan->chunks[i].nparts; k++)
			free(plan->chunks[i].parts[k].words);
		free(plan->chunks[i].parts);
		free(plan->chunks[i].text);
		free(plan->chunks[i].key);
	}
	free(plan->chunks);
	plan->chunks = NULL;
	plan->n = 0;
}
