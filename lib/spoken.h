/*
 * spoken.h - numbers as a recognizer writes them: spoken words to digits.
 *
 * ASR output spells numbers out ("four one one one", "oh", "double five",
 * "twelve thirty four", "one hundred and five") or writes digits with
 * separators ("4111-1111", "#1001", thousands as in "1,299.50").
 * va_spoken_parse() cleans the words (lower case, outer punctuation
 * dropped) and joins every run of number words and digit strings into one
 * token holding the digits ("6 hundred" is 600), remembering
 * which source words it came from, so entities and redaction work on
 * "4111111111111111" whatever was said. Single letters next to digits join
 * a run as upper-case letters when the run holds digits on both sides of
 * them ("one z nine nine" -> "1Z99"), for tracking numbers. "oh" counts as
 * zero only next to another number word.
 *
 * Ownership: the tokens own their strings; va_spoken_free() frees them.
 */
#ifndef VA_SPOKEN_H
#define VA_SPOKEN_H

#include <stddef.h>

struct va_tok {
	char	*s;		/* cleaned word, or the digits of a run */
	int	num;		/* 1: a number run */
	int	alpha;		/* the run holds letters */
	int	cardinal;	/* the run is one cardinal ("twenty five") */
	int	first, last;	/* source word span, inclusive */
	char	pre;		/* '#', '$' or '+' written before a literal */
};

struct va_toks {
	struct va_tok *t;
	int	n;
};

/* Tokens of the n source words; 0, or -1 when out of memory. */
int	va_spoken_parse(struct va_toks *, char *const *words, int n);
void	va_spoken_free(struct va_toks *);
/* The value of a digit word ("oh" 0 ... "nine" 9), or -1. */
int	va_spoken_digit(const char *w);

#endif
