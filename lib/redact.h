/*
 * redact.h - personal data that must not travel down the pipe: card
 * numbers, security codes, social security numbers, bank accounts.
 *
 * va_redact_find() works on the words a recognizer wrote, after spoken
 * numbers became digits (spoken.h), so "four one one one ..." is caught
 * like "4111 1111 ...". Kinds:
 *   card_number    a run of 13 to 19 digits passing the Luhn check
 *                  (lib/luhn.c), or a longer run starting with one that
 *                  is no valid tracking number; with the word "card" in
 *                  the utterance any run of 12 to 19 digits; not a valid
 *                  tracking number when the caller speaks of tracking, a
 *                  package or a parcel and not of a card
 *   ssn            9 digits after "social", "ssn" or an SSN, or written
 *                  123-45-6789 anywhere in a word
 *   bank_account   6 to 17 digits after "account", "routing" or "iban"
 *                  when "order" is not nearer
 *   security_code  3 or 4 digits after "cvv", "cvc", "security code",
 *                  "verification code", or after "code" when a card was
 *                  mentioned
 * Digits written inside a word that is no number run ("visa:4111...",
 * "4111111111111111/12", "(4111)1111-1111-1111", "acct#12345678"), in a
 * run that also holds letters or a decimal point ("5 5 e 5 ...",
 * "4111...1111.50"), or in one word of a longer run ("4111111111111111
 * 7"), are judged by the rules above in groups: each stretch of digits,
 * and any stretches in a row taken together whatever stands between
 * them; a context word inside the word counts for the digits after it.
 * A piece of letters and digits that is a valid tracking number ("1Z...")
 * is read as itself. Digits ending a word and those beginning the words
 * after it ("visa:4111 1111 1111 1111", "... 1111,thanks") are read
 * together too, and then each of those words is redacted, so the text
 * reads "[card_number] [card_number]". A word written with '#' ("#1001")
 * is not read with digits before it: an order number is no PII.
 * It errs on the side of redacting.
 */
#ifndef VA_REDACT_H
#define VA_REDACT_H

#include "spoken.h"

enum va_redact_kind { VA_RED_CARD, VA_RED_CODE, VA_RED_SSN, VA_RED_BANK,
	VA_RED_NKINDS };

struct va_redaction {
	int	first, last;	/* source word span, inclusive */
	enum va_redact_kind kind;
};

/*
 * Spans to redact among the tokens of n source words (tk from
 * va_spoken_parse() over words). Writes at most max spans, in order, and
 * returns how many were written.
 */
int	va_redact_find(const struct va_toks *tk, char *const *words, int n,
	    struct va_redaction *out, int max);
/* "card_number", "security_code", "ssn", "bank_account". */
const char *va_redact_kind_name(enum va_redact_kind);
/*
 * The words joined by single spaces with each span replaced by
 * "[kind]"; a new string (free()), or NULL when out of memory.
 */
char	*va_redact_join(char *const *words, int n,
	    const struct va_redaction *r, int nr);

#endif
