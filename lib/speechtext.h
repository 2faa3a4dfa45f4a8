/*
 * speechtext.h - text made ready for a speech synthesizer: normalisation
 * of numbers, money, dates, times, codes and phone numbers into words, a
 * small SSML subset, and splitting into sentences and phrases.
 *
 * Plain text is normalised so that every engine says the same thing:
 *   order numbers        "order 10234", "#1001"   -> digit by digit
 *   long digit strings   5 to 9 digits digit by digit; 10 or more, and
 *                        codes mixing letters and digits of 8 or more, in
 *                        groups of four ("1Z99, 9AA1, ...") spelled out
 *   money                "$12.50", "12.50 EUR", "GBP 3" -> "twelve dollars
 *                        and fifty cents"
 *   dates                "2024-03-05", "3/5/2024" -> "March fifth, twenty
 *                        twenty four"
 *   times                "14:30" -> "two thirty PM", "9:00 am" -> "nine AM"
 *   phone numbers        "+1 (555) 123-4567" -> "plus one, five five five,
 *                        one two three, four five six seven"
 *   small numbers        cardinal words; "3.5" "three point five", "2nd",
 *                        "10%", a few abbreviations (Mr., Dr., e.g., ...)
 *   minus signs          "-42", "-$25.99", say-as "USD -42" -> "minus ..."
 *                        (a dash between numbers or words is no minus)
 *   any other digit      said where it stands ("a1@b.com" -> "a one at
 *                        b dot com"): none is left for an engine to read
 *                        its own way
 * SSML subset: <break time="300ms"/> (or "1.5s", or strength="weak" ...;
 * at most 10 s, and breaks in a row, in a sentence or after one, add up
 * to at most 10 s too, the key writing what each added),
 * <say-as interpret-as="digits|characters|currency|date|telephone|
 * cardinal|ordinal|time">...</say-as>; other tags (speak, s, p, prosody,
 * emphasis) are dropped with their content kept; &amp; &lt; &gt; &quot;
 * &apos; are decoded. Inside say-as currency, an integer with a currency
 * code ("1250 USD") is in minor units, as money travels in events; a
 * decimal point or a currency symbol means major units.
 *
 * Ownership: strings returned are new (free()); a plan is freed with
 * va_speechtext_free(). Nothing here logs; malformed markup is read
 * leniently (an unknown tag is dropped, an unclosed say-as runs to the end,
 * a say-as holding markup is read as plain text with its tags dropped).
 */
#ifndef VA_SPEECHTEXT_H
#define VA_SPEECHTEXT_H

#include <stddef.h>

/* Words then a silence. */
struct va_speech_part {
	char	*words;		/* spoken words, no markup; may be "" */
	int	pause_ms;	/* silence after the words, 0 to 10000 */
};

/* One sentence, or one phrase of a long sentence: one synthesis. */
struct va_speech_chunk {
	char	*text;		/* the words of all parts joined by spaces */
	char	*key;		/* text with pauses written "<300ms>": for caches */
	struct va_speech_part *parts;
	size_t	nparts;
	int	words;		/* number of spoken words */
};

struct va_speech_plan {
	struct va_speech_chunk *chunks;
	size_t	n;
};

/* Normalise plain text (no markup) for speech; new string, NULL on ENOMEM. */
char	*va_speechtext_normalize(const char *text);

/*
 * Say content as interpret-as asks ("digits", "characters", "currency",
 * "date", "telephone", "cardinal", "ordinal", "time"); new string, or
 * NULL when interpret-as is unknown or the content, all of it, does not
 * fit it ("12 apples" is no cardinal, "3.5" neither; the caller then
 * normalises it as plain text, so no word of it is lost).
 */
char	*va_speechtext_say_as(const char *interpret, const char *content);

/*
 * Turn reply text (with the SSML subset) into chunks to synthesize one
 * after another: sentences, and sentences of more than max_words words
 * split at phrase boundaries (commas, then before conjunctions), so the
 * first audio can leave early; the first chunk of the text (the lead) has
 * at most first_words words (0: max_words, cut like any other), since it
 * alone decides how soon the caller hears something: it ends at the
 * latest comma, else before a conjunction, else before a preposition,
 * else at the limit, and may be as short as two words ("Thanks Anna, |
 * ...", "Your order | one zero ..."). A limit <= 0 never splits a
 * sentence. Amounts, dates, phone numbers and spelled numbers are never
 * split (a long one may make a chunk longer than the limit); a chunk
 * other than the lead has at least three words where it can. Returns 0
 * (plan->n may be 0 for text with nothing to say) or -1 on ENOMEM.
 */
int	va_speechtext_plan(const char *text, int max_words, int first_words,
	    struct va_speech_plan *plan);
void	va_speechtext_free(struct va_speech_plan *);

#endif
