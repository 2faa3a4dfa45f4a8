/*
 * redact.c - finding card numbers, security codes, SSNs and bank
 * accounts in recognized words (see redact.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static const char *const card_w[] = { "card", "visa", "mastercard",
	"amex", NULL };
static const char *const code_ctx[] = { "cvv", "cvc", "csc", "cvv2",
	"security", "verification", "cid", NULL };
static const char *const code_card[] = { "code", "pin", NULL };
static const char *const ssn_ctx[] = { "social", "ssn", NULL };
static const char *const bank_ctx[] = { "account", "routing", "iban",
	"acct", NULL };
static const char *const order_ctx[] = { "order", "tracking", "phone",
	NULL };

/* What the words before some digits say about them. */
struct ctx {
	int	card, track;	/* in the utterance: a card, a parcel */
	int	seen;		/* a card number redacted before */
	int	ssn, code, bank;
};

/* The kind of the digits d (n of them, all digits) in context c, or -1. */
static int
kind_of(const char *d, size_t n, const struct ctx *c)
{
	if (is_card(d, n, c->card, c->track))
		return VA_RED_CARD;
	if (n == 9 && c->ssn)
		return VA_RED_SSN;
	if ((n == 3 || n == 4) && c->code)
		return VA_RED_CODE;
	if (n >= 6 && n <= 17 && c->bank)
		return VA_RED_BANK;
	return -1;
}

static int
in(const char *w, size_t n, const char *const *words)
{
	int k;

	for (k = 0; words[k] != NULL; k++)
		if (strlen(words[k]) == n && strncasecmp(w, words[k], n) == 0)
			return 1;
	return 0;
}

/*
 * A context word written inside a word ("visa:4111...", "acct#1234")
 * speaks of the digits after it in that word, nearer than any word
 * before; "order" there makes the digits no bank account.
 */
static void
word_ctx(const char *w, size_t n, struct ctx *c)
{
	if (in(w, n, card_w))
		c->card = 1;
	if (in(w, n, ssn_ctx))
		c->ssn = 1;
	if (in(w, n, code_ctx) || ((c->card || c->seen) && in(w, n, code_card)))
		c->code = 1;
	if (in(w, n, bank_ctx))
		c->bank = 1;
	else if (in(w, n, order_ctx))
		c->bank = 0;
}

/* A letter and digit piece of a word that is a valid tracking number. */
static int
tracking_piece(const char *s, size_t n)
{
	char buf[64];
	size_t k;
	int letter = 0;

	for (k = 0; k < n; k++)
		letter |= isalpha((unsigned char)s[k]) != 0;
	if (!letter || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return is_tracking(buf);
}

/* The letter and digit piece of s around position p is a tracking number. */
static int
in_tracking(const char *s, size_t p)
{
	size_t l = p, r = p;

	while (l > 0 && isalnum((unsigned char)s[l - 1]))
		l--;
	while (isalnum((unsigned char)s[r]))
		r++;
	return tracking_piece(s + l, r - l);
}

/*
 * Past 19 digits, more digits still make a card number when one starts
 * them (a valid tracking number of those digits is none; a longer one
 * may be).
 */
static int
card_start(const char *d, size_t n)
{
	size_t k;

	for (k = 13; k <= 19 && k <= n; k++)
		if (va_luhn_valid(d, k))
			return n < 127;
	return 0;
}

#define MAXG	256		/* digit groups judged in one word */

struct group {
	const char *s;		/* the digits */
	size_t	n;
	int	seg;		/* groups of one segment may be read together */
	struct ctx c;		/* the context before the group */
};

/*
 * Any run of consecutive groups g[0..ng) within one segment: its digits
 * together take the kind of the context before it. Past 19 digits only
 * a card number starting them counts, so runs stop growing when none
 * does.
 */
static int
groups_kind(const struct group *g, int ng)
{
	char d[128];
	size_t n, k;
	int a, b, kind;

	for (a = 0; a < ng; a++) {
		for (b = a, n = 0; b < ng && g[b].seg == g[a].seg; b++) {
			k = g[b].n;
			if (n + k >= sizeof(d))
				k = sizeof(d) - 1 - n;
			memcpy(d + n, g[b].s, k);
			n += k;
			d[n] = '\0';
			if ((kind = kind_of(d, n, &g[a].c)) >= 0)
				return kind;
			if (n > 19 && !card_start(d, n))
				break;
		}
	}
	return -1;
}

/*
 * The digits of a word that is no number run, or of a run that also
 * holds letters or a decimal point ("5 5 e 5 ...", "4111...1111.50"):
 * a word holding digits among punctuation ("visa:4111111111111111",
 * "(4111)1111-1111-1111") is no number to spoken.c, but its digits
 * travel all the same, and a letter misheard inside a spoken number must
 * not let them through. Its groups of digits are read alone and together
 * whatever stands between them, except that a valid tracking number
 * ("1Z...") holds letters on purpose and is read as itself. -1 when none
 * is to be redacted.
 */
static int
word_kind(const char *s, const struct ctx *c0)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct group g[MAXG];
	struct ctx c = *c0;
	size_t k, e, n;
	int ng = 0, seg = 0;

	for (k = 0; s[k] != '\0'; k = e) {
		if ((e = k + strspn(s + k, alnum)) == k) {
			e++;
			continue;
		}
		if (tracking_piece(s + k, e - k)) {
			seg++;
			continue;
		}
		for (; k < e; k += n) {
			if ((n = strspn(s + k, "0123456789")) == 0) {
				n = strcspn(s + k, "0123456789");
				n = n < e - k ? n : e - k;
				word_ctx(s + k, n, &c);
				continue;
			}
			if (ng == MAXG)
				return VA_RED_CARD;	/* too many: err */
			g[ng].s = s + k;
			g[ng].n = n;
			g[ng].seg = seg;
			g[ng++].c = c;
		}
	}
	return groups_kind(g, ng);
}

/* ddd-dd-dddd written somewhere in w, with no digit either side. */
static int
ssn_form(const char *w)
{
	static const char pat[] = "ddd-dd-dddd";
	size_t k;
	int i;

	for (k = 0; w[k] != '\0'; k++) {
		if (k > 0 && isdigit((unsigned char)w[k - 1]))
			continue;
		for (i = 0; pat[i] != '\0'; i++)
			if (pat[i] == 'd' ? !isdigit((unsigned char)w[k + i]) :
			    w[k + i] != '-')
				break;
		if (pat[i] == '\0' && !isdigit((unsigned char)w[k + i]))
			return 1;
	}
	return 0;
}

/* One of the words of a token is a written SSN ("one 123-45-6789"). */
static int
ssn_in(char *const *words, const struct va_tok *t)
{
	int i;

	for (i = t->first; i <= t->last; i++)
		if (ssn_form(words[i]))
			return 1;
	return 0;
}

/* The context of token i from the tokens before it. */
static void
token_ctx(const struct va_toks *tk, int i, int ssn_at, struct ctx *c)
{
	int b;

	c->ssn = before(tk, i, ssn_ctx) || i - ssn_at <= CONTEXT;
	c->code = before(tk, i, code_ctx) ||
	    ((c->card || c->seen) && before(tk, i, code_card));
	c->bank = (b = before(tk, i, bank_ctx)) != 0 &&
	    before(tk, i, order_ctx) < b;
}

/*
 * The digits written in the words of a run, read in groups as in
 * word_kind(): a number word said after them ("4111 1111 1111 1111
 * hundred") must not hide the card number they write.
 */
static int
written_kind(char *const *words, const struct va_tok *t,
    const struct ctx *c)
{
	struct group g[MAXG];
	const char *w;
	size_t k, n;
	int i, ng = 0, seg = 0;

	for (i = t->first; i <= t->last; i++) {
		w = words[i];
		if (strpbrk(w, "0123456789") == NULL)
			seg++;
		for (k = 0; w[k] != '\0'; k += n) {
			if ((n = strspn(w + k, "0123456789")) == 0) {
				n = 1;
				continue;
			}
			if (in_tracking(w, k)) {
				seg++;
				continue;
			}
			if (ng == MAXG)
				return VA_RED_CARD;	/* too many: err */
			g[ng].s = w + k;
			g[ng].n = n;
			g[ng].seg = seg;
			g[ng++].c = *c;
		}
	}
	return groups_kind(g, ng);
}

/*
 * Digits in the token or in its words: a run cut at 127 characters
 * ("ssDDD...king2 9400 1112 ...") may keep none of those written.
 */
static int
has_digit(char *const *words, const struct va_tok *t)
{
	int i;

	if (strpbrk(t->s, "0123456789") != NULL)
		return 1;
	for (i = t->first; i <= t->last; i++)
		if (strpbrk(words[i], "0123456789") != NULL)
			return 1;
	return 0;
}

/* The kind of token i by itself, or -1. */
static int
token_kind(const struct va_toks *tk, char *const *words, int i,
    const struct ctx *c)
{
	const struct va_tok *t = &tk->t[i];
	size_t n;
	int k, kind;

	if (!has_digit(words, t))
		return -1;
	if (ssn_in(words, t))
		return VA_RED_SSN;
	/*
	 * A tracking number is one whatever its words ("1Z5R-8939-...",
	 * "9 6 1 1 0 2 ..."), where is_card() lets it be one.
	 */
	if (t->num && is_tracking(t->s) && (t->alpha || strlen(t->s) > 19 ||
	    (c->track && !c->card)))
		return -1;
	if (t->num && all_digits(t->s, &n))
		kind = kind_of(t->s, n, c);
	else
		kind = word_kind(t->s, c);
	/*
	 * Each word written is read by itself too: "4111111111111111 7",
	 * and "4111.111111111111111" loses its point in the run.
	 */
	for (k = t->first; kind < 0 && t->num && k <= t->last; k++)
		if (strpbrk(words[k], "0123456789") != NULL)
			kind = word_kind(words[k], c);
	if (kind < 0 && t->num && t->first < t->last)
		kind = written_kind(words, t, c);
	return kind;
}
/* Where a stretch of digit groups joined by - . or / ends s, or its end. */
static size_t
tail_start(const char *s)
{
	size_t k = strlen(s);

	if (k == 0 || !isdigit((unsigned char)s[k - 1]))
		return k;
	for (;;) {
		while (k > 0 && isdigit((unsigned char)s[k - 1]))
			k--;
		if (k < 2 || strchr("-./", s[k - 1]) == NULL ||
		    !isdigit((unsigned char)s[k - 2]))
			return k;
		k--;
	}
}

/* Where a stretch of digit groups joined by - . or / starting s ends. */
static size_t
lead_end(const char *s)
{
	size_t k = 0;

	for (;;) {
		while (isdigit((unsigned char)s[k]))
			k++;
		if (k == 0 || s[k] == '\0' || strchr("-./", s[k]) == NULL ||
		    !isdigit((unsigned char)s[k + 1]))
			return k;
		k++;
	}
}

/*
 * Groups followed from word to word: up to a card number's 19 digits
 * said one a word at the end of token i ("6 hundred 9 8 7 ..."), and as
 * many after it.
 */
#define MAXC	38

/*
 * Token j as chain_kind() reads it, a new string: its digits, or when
 * written is set and it is a run the words written, joined by '/', a
 * word without digits standing as "x" ("117 thousand 8 5" reads
 * "117/x/8/5"). NULL when out of memory.
 */
static char *
tok_text(const struct va_toks *tk, char *const *words, int j, int written)
{
	const struct va_tok *t = &tk->t[j];
	size_t len = 1;
	char *s, *p;
	int k;

	/* One word too: its text may be cut at 127 characters, not it. */
	if (!written || !t->num)
		return strdup(t->s);
	for (k = t->first; k <= t->last; k++)
		len += strlen(words[k]) + 1;
	if ((s = p = malloc(len)) == NULL)
		return NULL;
	for (k = t->first; k <= t->last; k++) {
		if (k > t->first)
			*p++ = '/';
		if (strpbrk(words[k], "0123456789") == NULL)
			*p++ = 'x';
		else
			p += strlen(strcpy(p, words[k]));
	}
	*p = '\0';
	return s;
}

/*
 * A card number (or SSN, bank account) said across words: digits ending
 * token i ("visa:4111") and beginning the tokens after it ("1111 1111
 * 1111", "1111,thanks"), runs read as their digits or, when written is
 * set, as the words written in them. Groups from token i read with
 * groups of later tokens as in word_kind(); *last gets the last token
 * they need.
 */
static int
chain_kind(const struct va_toks *tk, char *const *words, int i,
    const struct ctx *c0, int written, int *last)
{
	struct group g[MAXC];
	struct ctx c = *c0;
	char *str[MAXC], *s, d[128];
	size_t a, b, k, n, m;
	int j, x, y, ng = 0, ns = 0, nfirst, kind = -1;

	*last = i;
	if (i + 1 >= tk->n)
		return -1;
	if ((s = str[ns++] = tok_text(tk, words, i, written)) == NULL)
		return VA_RED_CARD;	/* out of memory: err */
	if ((a = tail_start(s)) == strlen(s))
		goto done;
	for (k = 0; k < a; k += n)
		if ((n = strspn(s + k, "abcdefghijklmnopqrstuvwxyz")) > 0)
			word_ctx(s + k, n, &c);
		else
			n = 1;
	for (k = a; s[k] != '\0'; k += n + (s[k + n] != '\0')) {
		n = strspn(s + k, "0123456789");
		if (in_tracking(s, k)) {
			ng = 0;
			continue;
		}
		if (ng == MAXC / 2)
			memmove(g, g + 1, --ng * sizeof(g[0]));
		g[ng].s = s + k;
		g[ng].n = n;
		g[ng++].seg = i;
	}
	if ((nfirst = ng) == 0)
		goto done;
	for (j = i + 1; j < tk->n && ng < MAXC; j++) {
		/* "#1001" is an order number as written. */
		if (!isdigit((unsigned char)tk->t[j].s[0]) || tk->t[j].pre != 0)
			break;
		if ((s = str[ns++] = tok_text(tk, words, j, written)) == NULL) {
			kind = VA_RED_CARD;
			goto done;
		}
		b = lead_end(s);
		for (k = 0; k < b && ng < MAXC; k += n + 1) {
			n = strspn(s + k, "0123456789");
			if (in_tracking(s, k))
				break;
			g[ng].s = s + k;
			g[ng].n = n;
			g[ng++].seg = j;
		}
		if (k < b || s[b] != '\0')
			break;
	}
	for (x = 0; x < nfirst; x++) {
		for (y = x, n = 0; y < ng; y++) {
			m = g[y].n < sizeof(d) - 1 - n ? g[y].n :
			    sizeof(d) - 1 - n;
			memcpy(d + n, g[y].s, m);
			n += m;
			d[n] = '\0';
			if (g[y].seg > i && (kind = kind_of(d, n, &c)) >= 0) {
				*last = g[y].seg;
				goto done;
			}
			if (n > 19 && !card_start(d, n))
				break;
		}
	}
done:
	while (ns > 0)
		free(str[--ns]);
	return kind;
}

int
va_redact_find(const struct va_toks *tk, char *const *words, int nw,
    struct va_redaction *out, int max)
{
	struct ctx c;
	int i, nr = 0, kind, chain, last, pend = -1, pend_kind = -1;
	int ssn_at = -1 - CONTEXT;

	(void)nw;
	memset(&c, 0, sizeof(c));
	c.card = anywhere(tk, "card") || anywhere(tk, "visa") ||
	    anywhere(tk, "mastercard") || anywhere(tk, "amex");
	c.track = anywhere(tk, "tracking") || anywhere(tk, "track") ||
	    anywhere(tk, "package") || anywhere(tk, "parcel") ||
	    anywhere(tk, "shipment");
	for (i = 0; i < tk->n && nr < max; i++) {
		token_ctx(tk, i, ssn_at, &c);
		kind = token_kind(tk, words, i, &c);
		if (kind < 0 && i <= pend)
			kind = pend_kind;
		if (((chain = chain_kind(tk, words, i, &c, 0, &last)) >= 0 ||
		    (chain = chain_kind(tk, words, i, &c, 1, &last)) >= 0) &&
		    last > pend) {
			pend = last;
			pend_kind = chain;
			if (kind < 0)
				kind = chain;
		}
		if (kind < 0)
			continue;
		if (kind == VA_RED_CARD)
			c.seen = 1;
		/* As "ssn" would: the text redacted reads "[ssn]" there. */
		if (kind == VA_RED_SSN)
			ssn_at = i;
		out[nr].first = tk->t[i].first;
		out[nr].last = tk->t[i].last;
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
