/*
 * redact.c - finding card numbers, security codes, SSNs and bank
 * accounts in recognized words (see redact.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "luhn.h"
#include "redact.h"
#include "tracking.h"

#define CONTEXT	6

static const char *const kind_names[] = { "card_number", "security_code",
	"ssn", "bank_account" };

const char *
va_redact_kind_name(enum va_redact_kind k)
{
	return k < VA_RED_NKINDS ? kind_names[k] : "unknown";
}

static int
all_digits(const char *s, size_t *n)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	*n = i;
	return i > 0;
}

/* One of the words among the CONTEXT tokens before token i. */
static int
before(const struct va_toks *tk, int i, const char *const *words)
{
	int j, k;

	for (j = i - 1; j >= 0 && j >= i - CONTEXT; j--)
		for (k = 0; words[k] != NULL; k++)
			if (!tk->t[j].num && strcmp(tk->t[j].s, words[k]) == 0)
				return j + 1;
	return 0;
}

static int
anywhere(const struct va_toks *tk, const char *word)
{
	int j;

	for (j = 0; j < tk->n; j++)
		if (!tk->t[j].num && strcmp(tk->t[j].s, word) == 0)
			return 1;
	return 0;
}

/* A tracking number whose check digit holds. */
static int
is_tracking(const char *d)
{
	struct va_tracking_match m[4];
	int nm, i;

	nm = va_tracking_detect(d, m, 4);
	for (i = 0; i < nm && i < 4; i++)
		if (m[i].valid && m[i].has_check)
			return 1;
	return 0;
}

static int
is_card(const char *d, size_t n, int card_ctx, int track_ctx)
{
	size_t k;

	/* The caller speaks of a parcel, not a card. */
	if (track_ctx && !card_ctx && is_tracking(d))
		return 0;
	if (n >= 13 && n <= 19 && va_luhn_valid(d, n))
		return 1;
	if (card_ctx && n >= 12 && n <= 19)
		return 1;
	if (n <= 19)
		return 0;
	/* A longer run: a card number followed by more digits said. */
	if (is_tracking(d))
		return 0;
	for (k = 13; k <= 19; k++)
		if (va_luhn_valid(d, k))
			return 1;
	return 0;
}

/*
 * A card number in a run that also holds letters or a decimal point:
 * among its digits as they stand, or all its digits together, since a
 * letter misheard inside a spoken number ("five five e five ...") must
 * not let the digits through. A valid tracking number ("1Z...") holds
 * letters on purpose.
 */
static int
card_inside(const char *s, int card_ctx, int track_ctx)
{
	char d[128], all[128];
	size_t n, k, na = 0;

	if (is_tracking(s))
		return 0;
	for (k = 0; s[k] != '\0'; k += n) {
		if ((n = strspn(s + k, "0123456789")) == 0) {
			n = 1;
			continue;
		}
		if (n >= sizeof(d) || na + n >= sizeof(all))
			return 1;
		memcpy(d, s + k, n);
		d[n] = '\0';
		if (is_card(d, n, card_ctx, track_ctx))
			return 1;
		memcpy(all + na, d, n);
		na += n;
	}
	all[na] = '\0';
	return na > 0 && is_card(all, na, card_ctx, track_ctx);
}

/* ddd-dd-dddd as written, within the punctuation spoken.c drops. */
static int
ssn_form(const char *w)
{
	static const char pat[] = "ddd-dd-dddd";
	int i;

	w += strspn(w, "\"'([{");
	for (i = 0; pat[i] != '\0'; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)w[i]) :
		    w[i] != '-')
			return 0;
	return w[i + strspn(w + i, ".,?!;:\"')]}")] == '\0';
}

/* One of the words of a run is a written SSN ("one 123-45-6789"). */
static int
ssn_in(char *const *words, const struct va_tok *t)
{
	int i;

	for (i = t->first; i <= t->last; i++)
		if (ssn_form(words[i]))
			return 1;
	return 0;
}

int
va_redact_find(const struct va_toks *tk, char *const *words, int nw,
    struct va_redaction *out, int max)
{
	static const char *const code_ctx[] = { "cvv", "cvc", "csc", "cvv2",
		"security", "verification", "cid", NULL };
	static const char *const code_card[] = { "code", "pin", NULL };
	static const char *const ssn_ctx[] = { "social", "ssn", NULL };
	static const char *const bank_ctx[] = { "account", "routing",
		"iban", "acct", NULL };
	static const char *const order_ctx[] = { "order", "tracking",
		"phone", NULL };
	const struct va_tok *t;
	int i, nr = 0, card_ctx, track_ctx, card_seen = 0, kind, b, o;
	int ssn_at = -1 - CONTEXT;
	size_t n;

	(void)nw;
	card_ctx = anywhere(tk, "card") || anywhere(tk, "visa") ||
	    anywhere(tk, "mastercard") || anywhere(tk, "amex");
	track_ctx = anywhere(tk, "tracking") || anywhere(tk, "track") ||
	    anywhere(tk, "package") || anywhere(tk, "parcel") ||
	    anywhere(tk, "shipment");
	for (i = 0; i < tk->n && nr < max; i++) {
		t = &tk->t[i];
		if (!t->num)
			continue;
		kind = -1;
		if (ssn_in(words, t))
			kind = VA_RED_SSN;
		else if (!all_digits(t->s, &n)) {
			if (card_inside(t->s, card_ctx, track_ctx))
				kind = VA_RED_CARD;
		} else if (is_card(t->s, n, card_ctx, track_ctx))
			kind = VA_RED_CARD;
		else if (n == 9 && (before(tk, i, ssn_ctx) ||
		    i - ssn_at <= CONTEXT))
			kind = VA_RED_SSN;
		else if ((n == 3 || n == 4) && (before(tk, i, code_ctx) ||
		    ((card_ctx || card_seen) && before(tk, i, code_card))))
			kind = VA_RED_CODE;
		else if (n >= 6 && n <= 17 && (b = before(tk, i, bank_ctx))) {
			o = before(tk, i, order_ctx);
			if (o < b)
				kind = VA_RED_BANK;
		}
		if (kind < 0)
			continue;
		if (kind == VA_RED_CARD)
			card_seen = 1;
		/* As "ssn" would: the text redacted reads "[ssn]" there. */
		if (kind == VA_RED_SSN)
			ssn_at = i;
		out[nr].first = t->first;
		out[nr].last = t->last;
		out[nr++].kind = (enum va_redact_kind)kind;
	}
	return nr;
}

char *
va_redact_join(char *const *words, int n, const struct va_redaction *r,
    int nr)
{
	size_t len = 1;
	char *s, *p;
	int i, k = 0;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	len += (size_t)nr * 20;
	if ((s = p = malloc(len)) == NULL)
		return NULL;
	*p = '\0';
	for (i = 0; i < n; i++) {
		if (p > s)
			*p++ = ' ';
		if (k < nr && i == r[k].first) {
			p += strlen(strcpy(p, "["));
			p += strlen(strcpy(p, va_redact_kind_name(r[k].kind)));
			p += strlen(strcpy(p, "]"));
			i = r[k++].last;
			continue;
		}
		p += strlen(strcpy(p, words[i]));
	}
	*p = '\0';
	return s;
}
