/*
 * entities.c - order and tracking numbers, phones, money, emails and
 * dates in recognized words (see entities.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entities.h"
#include "tracking.h"

static const char *const weekdays[] = { "sunday", "monday", "tuesday",
	"wednesday", "thursday", "friday", "saturday", NULL };
static const char *const months[] = { "january", "february", "march",
	"april", "may", "june", "july", "august", "september", "october",
	"november", "december", NULL };
static const char *const ordinals[] = { "", "first", "second", "third",
	"fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
	"eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
	"sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
	NULL };

static int
index_of(const char *const *tab, const char *w)
{
	int i;

	for (i = 0; tab[i] != NULL; i++)
		if (tab[i][0] != '\0' && strcmp(tab[i], w) == 0)
			return i;
	return -1;
}

static int
redacted(const struct va_redaction *r, int nr, int first, int last)
{
	int k;

	for (k = 0; k < nr; k++)
		if (first <= r[k].last && last >= r[k].first)
			return 1;
	return 0;
}

static int
word_is(const struct va_toks *tk, int i, const char *w)
{
	return i >= 0 && i < tk->n && !tk->t[i].num &&
	    strcmp(tk->t[i].s, w) == 0;
}

/* Word w at token i, which no entity before has used (lo on are free). */
static int
free_word(const struct va_toks *tk, int i, int lo, const char *w)
{
	return i >= lo && word_is(tk, i, w);
}

static int
near_before(const struct va_toks *tk, int i, const char *const *words,
    int span)
{
	int j;

	for (j = i - 1; j >= 0 && j >= i - span; j--)
		if (!tk->t[j].num && index_of(words, tk->t[j].s) >= 0)
			return 1;
	return 0;
}

/* Digits alone: no letters, no decimal point ("5551234.56"). */
static int
digits_only(const char *s)
{
	return s[strspn(s, "0123456789")] == '\0';
}

static int
said(const struct va_toks *tk, const char *w)
{
	int j;

	for (j = 0; j < tk->n; j++)
		if (word_is(tk, j, w))
			return 1;
	return 0;
}

/* Day of month from an ordinal word or number token, or 0. */
static int
day_of(const struct va_tok *t)
{
	int d;
	char *end;

	if (t->num) {
		d = (int)strtol(t->s, &end, 10);
		if (d < 1 || d > 31)
			return 0;
		/* "3", or "3RD" as a run keeps letters. */
		return *end == '\0' || strcmp(end, "ST") == 0 ||
		    strcmp(end, "ND") == 0 || strcmp(end, "RD") == 0 ||
		    strcmp(end, "TH") == 0 ? d : 0;
	}
	if ((d = index_of(ordinals, t->s)) > 0)
		return d;
	if (strcmp(t->s, "thirtieth") == 0)
		return 30;
	/* "1st", "2nd", "23rd". */
	d = (int)strtol(t->s, &end, 10);
	if (end != t->s && d >= 1 && d <= 31 && (strcmp(end, "st") == 0 ||
	    strcmp(end, "nd") == 0 || strcmp(end, "rd") == 0 ||
	    strcmp(end, "th") == 0))
		return d;
	return 0;
}

static void
ymd(struct va_entity *e, time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(e->value, sizeof(e->value), "%04d-%02d-%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* A date starting at token i; returns the tokens used, 0 if none. */
static int
date_at(const struct va_toks *tk, int i, int64_t now_ms,
    struct va_entity *e)
{
	time_t now = (time_t)(now_ms / 1000), t;
	struct tm tm;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	const char *w = tk->t[i].s;
	int wd, rel = 0, used = 1, m, d, delta, year, tries;

	if (tk->t[i].num)
		return 0;
	localtime_r(&now, &tm);
	if (strcmp(w, "today") == 0 || strcmp(w, "tonight") == 0)
		t = now;
	else if (strcmp(w, "yesterday") == 0)
		t = now - 86400;
	else if (strcmp(w, "tomorrow") == 0)
		t = now + 86400;
	else {
		if ((strcmp(w, "last") == 0 || strcmp(w, "next") == 0 ||
		    strcmp(w, "this") == 0 || strcmp(w, "on") == 0) &&
		    i + 1 < tk->n && !tk->t[i + 1].num &&
		    index_of(weekdays, tk->t[i + 1].s) >= 0) {
			rel = w[0] == 'l' ? -1 : w[0] == 'n' ? 1 : 0;
			used = 2;
			w = tk->t[i + 1].s;
		}
		if ((wd = index_of(weekdays, w)) >= 0) {
			if (rel < 0)
				delta = -(((tm.tm_wday - wd) + 7) % 7 ?
				    ((tm.tm_wday - wd) + 7) % 7 : 7);
			else if (rel > 0)
				delta = ((wd - tm.tm_wday) + 7) % 7 ?
				    ((wd - tm.tm_wday) + 7) % 7 : 7;
			else
				delta = -(((tm.tm_wday - wd) + 7) % 7);
			t = now + (time_t)delta * 86400;
		} else if ((m = index_of(months, w)) >= 0 && i + 1 < tk->n &&
		    (d = day_of(&tk->t[i + 1])) > 0) {
			/* "march third" */
			used = 2;
			goto calendar;
		} else if (strcmp(w, "the") == 0 && i + 3 < tk->n &&
		    (d = day_of(&tk->t[i + 1])) > 0 &&
		    word_is(tk, i + 2, "of") && !tk->t[i + 3].num &&
		    (m = index_of(months, tk->t[i + 3].s)) >= 0) {
			/* "the third of march" */
			used = 4;
			goto calendar;
		} else
			return 0;
	}
	ymd(e, t);
	return used;
calendar:
	/* No "thirty first of february": mktime() would roll it over. */
	if (d > mdays[m])
		return 0;
	/*
	 * The most recent such day, since callers speak of the past; for
	 * the 29th of February, of a leap year.
	 */
	year = tm.tm_year;
	for (tries = 0; tries < 9; tries++, year--) {
		tm.tm_year = year;
		tm.tm_mon = m;
		tm.tm_mday = d;
		tm.tm_hour = 12;
		tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) == (time_t)-1)
			return 0;
		if (tm.tm_mon == m && tm.tm_mday == d && t <= now + 86400)
			break;
	}
	if (tries == 9)
		return 0;
	ymd(e, t);
	return used;
}

/* Join tokens a..b (inclusive) as an email part, "dot" as '.'. */
static int
email_part(const struct va_toks *tk, int a, int b, char *out, size_t sz)
{
	size_t o = 0, n;
	int j;
	const char *s;

	for (j = a; j <= b; j++) {
		s = tk->t[j].s;
		if (strcmp(s, "dot") == 0 || strcmp(s, "period") == 0 ||
		    strcmp(s, "point") == 0)
			s = ".";
		else if (strcmp(s, "underscore") == 0)
			s = "_";
		else if (strcmp(s, "dash") == 0 || strcmp(s, "hyphen") == 0)
			s = "-";
		n = strlen(s);
		if (o + n + 1 >= sz)
			return -1;
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	for (j = 0; out[j] != '\0'; j++)
		out[j] = (char)tolower((unsigned char)out[j]);
	return (int)o;
}

static int
email_joiner(const char *s)
{
	return strcmp(s, "dot") == 0 || strcmp(s, "underscore") == 0 ||
	    strcmp(s, "dash") == 0 || strcmp(s, "hyphen") == 0 ||
	    strcmp(s, "period") == 0;
}

/*
 * "john dot smith at example dot com" around the "at" at token i, the
 * local part from token lo on; returns the last token used, 0 if none.
 */
static int
email_at(const struct va_toks *tk, int i, int lo, struct va_entity *e,
    int *first, int *last)
{
	char local[64], dom[64];
	int a = i - 1, b = i + 1, dots = 0;

	if (a < lo || b >= tk->n)
		return 0;
	if (email_joiner(tk->t[a].s) || email_joiner(tk->t[b].s))
		return 0;
	/* "john dot smith", or letters spelled one by one, before "at". */
	for (;;) {
		if (a - 2 >= lo && email_joiner(tk->t[a - 1].s) &&
		    !email_joiner(tk->t[a - 2].s))
			a -= 2;
		else if (a - 1 >= lo && strlen(tk->t[a].s) == 1 &&
		    strlen(tk->t[a - 1].s) == 1)
			a--;
		else
			break;
	}
	while (b + 2 < tk->n && email_joiner(tk->t[b + 1].s) &&
	    !email_joiner(tk->t[b + 2].s)) {
		if (strcmp(tk->t[b + 1].s, "dot") == 0 ||
		    strcmp(tk->t[b + 1].s, "period") == 0)
			dots++;
		b += 2;
	}
	if (dots == 0 || email_part(tk, a, i - 1, local, sizeof(local)) < 1 ||
	    email_part(tk, i + 1, b, dom, sizeof(dom)) < 3)
		return 0;
	snprintf(e->value, sizeof(e->value), "%s@%s", local, dom);
	*first = tk->t[a].first;
	*last = tk->t[b].last;
	return b;
}

static int
currency_at(const struct va_toks *tk, int i, char *cur)
{
	static const char *const usd[] = { "dollar", "dollars", "bucks",
		"usd", NULL };
	static const char *const eur[] = { "euro", "euros", "eur", NULL };
	static const char *const gbp[] = { "pound", "pounds", "quid", "gbp",
		NULL };

	if (i >= tk->n || tk->t[i].num)
		return 0;
	if (index_of(usd, tk->t[i].s) >= 0)
		strcpy(cur, "USD");
	else if (index_of(eur, tk->t[i].s) >= 0)
		strcpy(cur, "EUR");
	else if (index_of(gbp, tk->t[i].s) >= 0)
		strcpy(cur, "GBP");
	else
		return 0;
	return 1;
}

/* Money from number token i; returns the last token used, or -1. */
static int
money_at(const struct va_toks *tk, int i, struct va_entity *e)
{
	const struct va_tok *t = &tk->t[i];
	char *end, whole[32];
	long long units, cents = 0;
	int j = i + 1;
	const char *dot;

	if (t->alpha || strlen(t->s) > 15)
		return -1;
	dot = strchr(t->s, '.');
	/* "$19.99 5" joined as 19.995: no amount of money. */
	if (dot != NULL && strlen(dot + 1) > 2)
		return -1;
	if (t->pre == '$')
		strcpy(e->currency, "USD");
	else if (!currency_at(tk, j, e->currency))
		return -1;
	else
		j++;
	snprintf(whole, sizeof(whole), "%.*s", dot ? (int)(dot - t->s) :
	    (int)strlen(t->s), t->s);
	units = strtoll(whole, &end, 10);
	if (dot != NULL)
		cents = strtoll(dot + 1, NULL, 10) * (strlen(dot + 1) == 1 ?
		    10 : 1);
	/* "and fifty cents" or "fifty" right after the currency. */
	if (t->pre != '$' && j < tk->n) {
		int k = word_is(tk, j, "and") ? j + 1 : j;

		if (k < tk->n && tk->t[k].num && strlen(tk->t[k].s) <= 2 &&
		    (word_is(tk, k + 1, "cents") || word_is(tk, k + 1, "cent") ||
		    word_is(tk, k + 1, "pence"))) {
			cents = strtoll(tk->t[k].s, NULL, 10);
			j = k + 2;
		}
	}
	e->minor = units * 100 + cents;
	snprintf(e->value, sizeof(e->value), "%lld", (long long)e->minor);
	return j - 1;
}

static int
tracking_at(const struct va_tok *t, int ctx, struct va_entity *e)
{
	struct va_tracking_match m[8];
	int n;

	if (strlen(t->s) < 8)
		return 0;
	n = va_tracking_detect(t->s, m, 8);
	if (n <= 0 || (!m[0].valid && !ctx) || (!m[0].has_check && !ctx))
		return 0;
	snprintf(e->value, sizeof(e->value), "%s", m[0].number);
	snprintf(e->carrier, sizeof(e->carrier), "%s",
	    va_carrier_name(m[0].carrier));
	e->valid = m[0].valid;
	return 1;
}

int
va_entities_find(const struct va_toks *tk, char *const *words, int nw,
    const struct va_redaction *r, int nr, int64_t now_ms,
    struct va_entity *out, int max)
{
	static const char *const phone_ctx[] = { "phone", "call", "cell",
		"mobile", "reach", "text", "telephone", NULL };
	struct va_entity *e;
	int i, j, n = 0, track_ctx, used, first, last, lo = 0;
	size_t len;

	(void)words;
	(void)nw;
	track_ctx = said(tk, "tracking") || said(tk, "track");
	for (i = 0; i < tk->n && n < max; i++) {
		const struct va_tok *t = &tk->t[i];
		int i0 = i;

		if (redacted(r, nr, t->first, t->last))
			continue;
		e = &out[n];
		memset(e, 0, sizeof(*e));
		first = t->first;
		last = t->last;
		if (!t->num) {
			if (strcmp(t->s, "at") == 0 &&
			    (j = email_at(tk, i, lo, e, &first, &last)) > 0 &&
			    !redacted(r, nr, first, last)) {
				e->type = "email";
				i = j;
			} else if (strchr(t->s, '@') != NULL &&
			    strchr(strchr(t->s, '@'), '.') != NULL &&
			    strlen(t->s) < sizeof(e->value)) {
				/* Cut short, it would be another address. */
				e->type = "email";
				snprintf(e->value, sizeof(e->value), "%s",
				    t->s);
			} else if ((used = date_at(tk, i, now_ms, e)) > 0) {
				e->type = "date";
				last = tk->t[i + used - 1].last;
				i += used - 1;
			} else
				continue;
		} else if ((j = money_at(tk, i, e)) >= 0) {
			e->type = "money";
			last = tk->t[j].last;
			i = j;
		} else if (!track_ctx && digits_only(t->s) &&
		    strlen(t->s) == 10 &&
		    near_before(tk, i, phone_ctx, 8)) {
			/* Ten digits after "call me": a phone, whatever else. */
			e->type = "phone";
			snprintf(e->value, sizeof(e->value), "+1%s", t->s);
		} else if (tracking_at(t, track_ctx, e)) {
			e->type = "tracking_number";
		} else if (digits_only(t->s) && (len = strlen(t->s)) >= 7 &&
		    (free_word(tk, i - 1, lo, "plus") ||
		    (len == 11 && t->s[0] == '1') || t->pre == '+' ||
		    (len == 10 && near_before(tk, i, phone_ctx, 8)))) {
			e->type = "phone";
			snprintf(e->value, sizeof(e->value), "+%s%s",
			    len == 10 && !free_word(tk, i - 1, lo, "plus") &&
			    t->pre != '+' ? "1" : "", t->s);
			if (free_word(tk, i - 1, lo, "plus"))
				first = tk->t[i - 1].first;
		} else if (!t->alpha && (len = strlen(t->s)) >= 3 &&
		    len <= 12 && strchr(t->s, '.') == NULL) {
			e->type = "order_number";
			if (t->pre == '#' ||
			    free_word(tk, i - 1, lo, "hash") ||
			    free_word(tk, i - 1, lo, "pound") ||
			    (word_is(tk, i - 1, "sign") &&
			    free_word(tk, i - 2, lo, "number"))) {
				snprintf(e->value, sizeof(e->value), "#%s",
				    t->s);
				if (t->pre != '#')
					first = tk->t[word_is(tk, i - 1,
					    "sign") ? i - 2 : i - 1].first;
			} else
				snprintf(e->value, sizeof(e->value), "%s",
				    t->s);
		} else
			continue;
		/*
		 * A date or an amount reaching into a redacted word ("march
		 * 1 11/11" with the digits of "11/11" a card's) is none: the
		 * words go on one by one.
		 */
		if (redacted(r, nr, first, last)) {
			i = i0;
			continue;
		}
		e->first = first;
		e->last = last;
		n++;
		/* A word goes to one entity. */
		lo = i + 1;
	}
	return n;
}
