/*
 * entities.h - the details a backend needs, found in recognized words.
 *
 * From the tokens of va_spoken_parse() (spoken numbers already digits):
 *   tracking_number  a run that va_tracking_detect() (lib/tracking.c)
 *                    places with a valid check digit, or any run it places
 *                    when the caller said "tracking"; carrier and valid
 *   phone            10 digits (NANP, written +1...) after "phone",
 *                    "call", "cell", "mobile" or "reach", 11 digits
 *                    starting with 1, or any run after "plus"
 *   money            a number before "dollars", "bucks", "euros",
 *                    "pounds" (then "and N cents"), or after "$"; value in
 *                    minor units with the currency (USD, EUR, GBP)
 *   order_number     any other run of 3 to 12 digits; "#1001", "hash" or
 *                    "pound" before it gives the store form "#1001"
 *   email            "john dot smith at example dot com" or a written
 *                    address, spelled letters joined
 *   date             today, yesterday, tomorrow, [last|next|this] Monday
 *                    ..., "march third", "the third of march", relative
 *                    to now (epoch ms, local time per TZ); a bare weekday
 *                    is the most recent one, today included, and a month
 *                    and day the most recent such day (tomorrow included;
 *                    February 29th a leap year's); a day the month does
 *                    not have ("april 31st") is no date
 * Redacted spans (redact.h) are skipped, and no word is part of two
 * entities: the first in word order keeps it.
 */
#ifndef VA_ENTITIES_H
#define VA_ENTITIES_H

#include <stdint.h>

#include "redact.h"
#include "spoken.h"

struct va_entity {
	const char *type;	/* static: "order_number", ... */
	char	value[128];
	char	carrier[8];	/* tracking_number: "ups", ... */
	int	valid;		/* tracking_number: the check digit holds */
	int64_t	minor;		/* money: amount in minor units */
	char	currency[4];	/* money */
	int	first, last;	/* source word span, inclusive */
};

/*
 * Entities among the tokens of the source words; skips the nr redacted
 * spans. Writes at most max, in order of the words, and returns how many.
 */
int	va_entities_find(const struct va_toks *tk, char *const *words, int n,
	    const struct va_redaction *r, int nr, int64_t now_ms,
	    struct va_entity *out, int max);

#endif
