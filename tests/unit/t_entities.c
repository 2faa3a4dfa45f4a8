/*
 * t_entities.c - unit tests for lib/spoken.c, lib/redact.c and
 * lib/entities.c: spoken numbers, redaction kinds, entity values.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "entities.h"
#include "redact.h"
#include "spoken.h"
#include "tap.h"

#define NOW	1700000000000LL		/* Tuesday 2023-11-14 22:13 UTC */

static int
split(char *s, char **w)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, " ", &save); t != NULL && n < 64;
	    t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	return n;
}

/* The digits of the first number run of text. */
static char *
digits(const char *text)
{
	static char out[128];
	struct va_toks tk;
	char buf[512], *w[64];
	int n, i;

	strcpy(buf, text);
	n = split(buf, w);
	out[0] = '\0';
	if (va_spoken_parse(&tk, w, n) == -1)
		return NULL;
	for (i = 0; i < tk.n; i++)
		if (tk.t[i].num) {
			strcpy(out, tk.t[i].s);
			break;
		}
	va_spoken_free(&tk);
	return out;
}

/* "kind kind ..." of the redactions in text, and the redacted text. */
static char *
redact(const char *text, char **joined)
{
	static char out[256];
	struct va_redaction r[16];
	struct va_toks tk;
	char buf[512], *w[64];
	int n, nr, i;

	strcpy(buf, text);
	n = split(buf, w);
	va_spoken_parse(&tk, w, n);
	nr = va_redact_find(&tk, w, n, r, 16);
	out[0] = '\0';
	for (i = 0; i < nr; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, va_redact_kind_name(r[i].kind));
	}
	*joined = va_redact_join(w, n, r, nr);
	va_spoken_free(&tk);
	return out;
}

/* "type=value" of the first entity in text. */
static char *
entity(const char *text)
{
	static char out[256];
	struct va_entity e[8];
	struct va_redaction r[8];
	struct va_toks tk;
	char buf[512], *w[64];
	int n, nr, ne;

	strcpy(buf, text);
	n = split(buf, w);
	va_spoken_parse(&tk, w, n);
	nr = va_redact_find(&tk, w, n, r, 8);
	ne = va_entities_find(&tk, w, n, r, nr, NOW, e, 8);
	out[0] = '\0';
	if (ne > 0) {
		strcpy(out, e[0].type);
		strcat(out, "=");
		strcat(out, e[0].value);
		if (e[0].carrier[0] != '\0') {
			strcat(out, "/");
			strcat(out, e[0].carrier);
			strcat(out, e[0].valid ? "/valid" : "/invalid");
		}
		if (e[0].currency[0] != '\0') {
			strcat(out, "/");
			strcat(out, e[0].currency);
		}
	}
	va_spoken_free(&tk);
	return out;
}

/* "type=value type=value ..." of every entity in text. */
static char *
entities(const char *text)
{
	static char out[512];
	struct va_entity e[8];
	struct va_redaction r[8];
	struct va_toks tk;
	char buf[512], *w[64];
	int n, nr, ne, i;

	strcpy(buf, text);
	n = split(buf, w);
	va_spoken_parse(&tk, w, n);
	nr = va_redact_find(&tk, w, n, r, 8);
	ne = va_entities_find(&tk, w, n, r, nr, NOW, e, 8);
	out[0] = '\0';
	for (i = 0; i < ne; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, e[i].type);
		strcat(out, "=");
		strcat(out, e[i].value);
	}
	va_spoken_free(&tk);
	return out;
}

int
main(void)
{
	char *j;

	/* A parser that loops fails here, not at the suite's time limit. */
	alarm(60);
	setenv("TZ", "UTC", 1);
	is_str(digits("four one one one"), "4111", "digit words");
	is_str(digits("one oh oh one"), "1001", "oh is zero in a run");
	is_str(digits("oh I see nine"), "9", "oh alone is no digit");
	is_str(digits("oh oh seven"), "007", "oh oh before a number");
	is_str(digits("uh oh oh"), "", "oh oh alone is no number");
	is_str(digits("double five seven"), "557", "double");
	is_str(digits("triple nine"), "999", "triple");
	is_str(digits("twelve thirty four"), "1234", "pairs");
	is_str(digits("one hundred and five"), "105", "cardinal");
	is_str(digits("two thousand twenty"), "2020", "thousands");
	is_str(digits("one hundred hundred hundred hundred hundred hundred "
	    "hundred hundred hundred hundred hundred"),
	    "100100100100100100100100100100100", "no hundred hundreds");
	is_str(digits("4111-1111 1111"), "411111111111", "written groups");
	is_str(digits("one z nine nine"), "1Z99", "letters between digits");

	is_str(redact("card four one one one one one one one one one one one "
	    "one one one one", &j), "card_number", "spoken card");
	is_str(j, "card [card_number]", "card text");
	free(j);
	is_str(redact("it is 4111 1111 1111 1111", &j), "card_number",
	    "written card, Luhn without context");
	free(j);
	is_str(redact("it is 4111 1111 1111 1112", &j), "",
	    "Luhn fails without card context");
	free(j);
	is_str(redact("my card 4111 1111 1111 1112", &j), "card_number",
	    "any 12-19 digits near card");
	free(j);
	is_str(redact("the cvv is one two three", &j), "security_code",
	    "security code");
	free(j);
	is_str(redact("order code one two three", &j), "",
	    "code without a card is no security code");
	free(j);
	is_str(redact("social one two three four five six seven eight nine",
	    &j), "ssn", "ssn spoken");
	free(j);
	is_str(redact("ssn 123-45-6789", &j), "ssn", "ssn written");
	free(j);
	is_str(redact("it's 123-45-6789.", &j), "ssn",
	    "ssn written before a full stop");
	is_str(j, "it's [ssn]", "ssn before a full stop, text");
	free(j);
	is_str(redact("one 123-45-6789", &j), "ssn",
	    "ssn written in a longer run");
	free(j);
	is_str(redact("123-45-6789 and 123456789", &j), "ssn ssn",
	    "nine digits after an ssn");
	is_str(j, "[ssn] and [ssn]", "redacting again finds nothing more");
	free(j);
	is_str(redact("account number one two three four five six", &j),
	    "bank_account", "bank account");
	free(j);
	is_str(redact("account order number one two three four five six",
	    &j), "", "order nearer than account");
	free(j);
	is_str(redact("tracking 9400111206206406260787", &j), "",
	    "valid tracking number is no card");
	free(j);
	is_str(redact("visa five five five five five five e five five five "
	    "five five five five five five five", &j), "card_number",
	    "a letter inside a card number");
	is_str(j, "visa [card_number]", "a letter inside, text");
	free(j);
	is_str(redact("it is 4111111111111111.50", &j), "card_number",
	    "a decimal point after a card number");
	free(j);
	is_str(redact("track 1Z5R89390357567127", &j), "",
	    "a valid ups number is no card");
	free(j);
	is_str(redact("card 4111111111111111/12", &j), "card_number",
	    "a card number before a slash");
	is_str(j, "card [card_number]", "a card number before a slash, text");
	free(j);
	is_str(redact("visa:4111111111111111", &j), "card_number",
	    "a card number after a colon");
	free(j);
	is_str(redact("card=4111-1111-1111-1111", &j), "card_number",
	    "a card number after an equals sign");
	free(j);
	is_str(redact("4111111111111111,thanks", &j), "card_number",
	    "a card number before a comma inside a word");
	free(j);
	is_str(redact("(4111)1111-1111-1111", &j), "card_number",
	    "a card number's groups split by brackets");
	free(j);
	is_str(redact("4111.1111.1111.1111", &j), "card_number",
	    "a card number grouped by points");
	free(j);
	is_str(redact("12/4111-1111-1111-1111", &j), "card_number",
	    "a card number's groups after other digits");
	free(j);
	is_str(redact("visa:4111 1111 1111 1111", &j), "card_number "
	    "card_number", "a card number begun inside a word");
	is_str(j, "[card_number] [card_number]",
	    "a card number begun inside a word, text");
	free(j);
	is_str(redact("4111 1111 1111 1111,thanks", &j), "card_number "
	    "card_number", "a card number ended inside a word");
	free(j);
	is_str(redact("ssn:123-45-6789", &j), "ssn", "an ssn inside a word");
	free(j);
	is_str(redact("ssn:123456789", &j), "ssn",
	    "nine digits after ssn inside a word");
	free(j);
	is_str(redact("account:12345678", &j), "bank_account",
	    "a bank account inside a word");
	free(j);
	is_str(redact("acct#1234 5678", &j), "bank_account bank_account",
	    "a bank account begun inside a word");
	free(j);
	is_str(redact("order:12345678 account", &j), "",
	    "an order number inside a word is no bank account");
	free(j);
	is_str(redact("tracking:1Z5R89390357567127", &j), "",
	    "a valid tracking number inside a word is no card");
	free(j);
	is_str(redact("it is 4111111111111111 7", &j), "card_number",
	    "a card number with a digit said after it");
	free(j);
	is_str(redact("(4111 1111 1111 1111) hundred", &j), "card_number",
	    "a card number written before a number word");
	free(j);
	is_str(redact("i2222222222222222222222222222222222:222", &j),
	    "card_number", "a card number starting a longer tracking-like run");
	free(j);
	is_str(redact("it was 2 thousand 4111 1111 1111 1111,thanks", &j),
	    "card_number card_number",
	    "a card number written after a cardinal, ended in a word");
	free(j);
	is_str(redact("GM29511.2602926129033612870406225174494", &j),
	    "card_number", "a card number after a point in a run");
	free(j);
	is_str(redact("track 1Z5R-8939-0357-5671-27", &j), "",
	    "a valid ups number with dashes is no card");
	free(j);
	is_str(redact("my tracking number is 9 6 1 1 0 2 0 9 8 7 6 5 4 3 1 2 "
	    "3 4 5 6 7 2", &j), "", "a tracking number said digit by digit");
	free(j);
	is_str(redact("my number is 6 hundred 9 8 7 6 5 4 3 1 2 3 4 5 6 "
	    "7\xc3\xaa" "and 2", &j), "card_number card_number",
	    "a card number said digit by digit after a cardinal, ended in "
	    "a word");
	is_str(j, "my number is [card_number] [card_number] 2",
	    "each word of it redacted");
	free(j);
	is_str(redact("six 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1,thanks", &j),
	    "card_number card_number",
	    "a card number said digit by digit after a digit word");
	free(j);
	is_str(redact("twelve 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1,thanks", &j),
	    "card_number card_number",
	    "no digit of a card number said after a teen is left");
	free(j);
	is_str(redact("ssDDDDDDDDJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ"
	    "JJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ"
	    "JJJking2 9400 1112 0420 640607 87 x", &j), "card_number",
	    "a card written in a run cut at 127 characters before its digits");
	free(j);
	is_str(redact("(NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN"
	    "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN"
	    "NNN411 1111888/8888\xee" " 0555)", &j),
	    "card_number card_number",
	    "a card begun past the 127 characters kept of a word, ended in "
	    "the next");
	free(j);
	is_str(redact("i paid six hundred dollars for order 10234", &j), "",
	    "an amount and an order number are no card");
	free(j);
	is_str(redact("order #1001 4111", &j), "",
	    "an order number is no PII");
	free(j);

	is_str(entity("order one two three four"), "order_number=1234",
	    "order number");
	is_str(entity("order #1001"), "order_number=#1001", "store form");
	is_str(entity("pound one oh oh one"), "order_number=#1001",
	    "pound before a number");
	is_str(entity("track 1Z5R89390357567127"),
	    "tracking_number=1Z5R89390357567127/ups/valid", "ups");
	is_str(entity("tracking 2Z5R89390357567127"), "",
	    "invalid ups pattern rejected");
	is_str(entity("tracking number 986578788855"),
	    "tracking_number=986578788855/fedex/valid", "fedex express");
	is_str(entity("a at b"), "", "no dot, no email");
	is_str(entity("j o h n at example dot co dot uk"),
	    "email=john@example.co.uk", "spelled email");
	is_str(entity("mail me at "
	    "a123456789b123456789c123456789d123456789e123456789"
	    "f123456789g123456789h123456789i123456789j123456789"
	    "k123456789l123456789m1234567@example.com"), "",
	    "an address too long to keep is no email");
	is_str(entities("1234 dot x at example dot com"),
	    "order_number=1234 email=x@example.com",
	    "an email does not take an order number's word");
	is_str(entities("john at 1234 dot com"), "email=john@1234.com",
	    "an email's words make no order number");
	is_str(entities("five pound 1234"), "money=500 order_number=1234",
	    "a currency's pound is no order's pound sign");
	is_str(entity("call me on two one two five five five one two three "
	    "four"), "phone=+12125551234", "phone");
	is_str(entity("call me on 5551234.56"), "",
	    "a decimal point makes no phone");
	is_str(entity("it was 1292 9.990.12"), "",
	    "eleven characters with a point make no phone");
	is_str(entities("march 4 111111111111111,thanks"), "",
	    "no date takes a word of a redacted card number");
	is_str(entity("fifty pounds"), "money=5000/GBP", "pounds after");
	is_str(entity("$19.99"), "money=1999/USD", "dollar sign");
	is_str(entity("it was 6 hundred dollars"), "money=60000/USD",
	    "a written number before hundred (not 6100)");
	is_str(entity("250 thousand five hundred dollars"),
	    "money=25050000/USD", "a written number before thousand");
	is_str(entity("a refund of $1,299.50"), "money=129950/USD",
	    "thousands by commas");
	is_str(entity("$1,299,000"), "money=129900000/USD",
	    "thousands by commas, twice");
	is_str(entity("it cost $19.99 5 dollars"), "",
	    "three decimals are no amount (not 28.95)");
	is_str(entity("twenty dollars and five cents"), "money=2005/USD",
	    "dollars and cents");
	is_str(entity("today"), "date=2023-11-14", "today");
	is_str(entity("last tuesday"), "date=2023-11-07", "last tuesday");
	is_str(entity("on tuesday"), "date=2023-11-14", "bare weekday today");
	is_str(entity("next monday"), "date=2023-11-20", "next monday");
	is_str(entity("december first"), "date=2022-12-01",
	    "a day to come is last year's");
	is_str(entity("the 3rd of march"), "date=2023-03-03", "3rd of march");
	is_str(entity("the 31st of february"), "",
	    "no 31st of february (not the 3rd of march)");
	is_str(entity("april 31st"), "", "no 31st of april");
	is_str(entity("february 29th"), "date=2020-02-29",
	    "the 29th of february is a leap year's");
	is_str(entity("february 28th"), "date=2023-02-28", "february 28th");
	is_str(entity("november 15th"), "date=2023-11-15",
	    "tomorrow is still this year's");
	return tap_done();
}
