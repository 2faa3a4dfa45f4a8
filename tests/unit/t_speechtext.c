/*
 * t_speechtext.c - text normalisation for speech, the SSML subset, and
 * sentence and phrase splitting.
 */
#include <stdlib.h>
#include <string.h>

#include "speechtext.h"
#include "tap.h"

static void
norm(const char *in, const char *want)
{
	char *got = va_speechtext_normalize(in);

	is_str(got, want, "normalize \"%s\"", in);
	free(got);
}

static void
sayas(const char *how, const char *in, const char *want)
{
	char *got = va_speechtext_say_as(how, in);

	is_str(got, want, "say-as %s \"%s\"", how, in);
	free(got);
}

static void	plan2(const char *, int, int, const char *);

/* The chunks of a plan joined by " | ", each as its key. */
static void
plan(const char *in, int max_words, const char *want)
{
	plan2(in, max_words, 0, want);
}

static void
plan2(const char *in, int max_words, int first_words, const char *want)
{
	struct va_speech_plan p;
	char got[4096] = "";
	size_t i;

	if (va_speechtext_plan(in, max_words, first_words, &p) < 0) {
		ok(0, "plan \"%s\"", in);
		return;
	}
	for (i = 0; i < p.n; i++) {
		if (i > 0)
			strcat(got, " | ");
		strncat(got, p.chunks[i].key, sizeof(got) - strlen(got) - 4);
	}
	is_str(got, want, "plan \"%s\"", in);
	va_speechtext_free(&p);
}

int
main(void)
{
	struct va_speech_plan p;

	/* Order numbers and identifiers. */
	norm("Your order 10234 has shipped.",
	    "Your order one zero two three four has shipped.");
	norm("Order #1001 is ready.",
	    "Order number one zero zero one is ready.");
	norm("order 42", "order four two");
	norm("ticket number 987.", "ticket number nine eight seven.");
	norm("I found 3 items.", "I found three items.");
	norm("It costs 1,234 points.",
	    "It costs one thousand two hundred thirty four points.");
	norm("Reference 55123 please", "Reference five five one two three please");
	norm("3.5 stars", "three point five stars");
	norm("You are 2nd in line, 21st overall.",
	    "You are second in line, twenty first overall.");
	norm("Save 10% today", "Save ten percent today");
	norm("1000000", "one zero zero zero zero zero zero");
	norm("It was 100 years", "It was one hundred years");
	norm("2019", "two thousand nineteen");
	/* Too long for a quantity: said digit by digit, every digit. */
	norm("1234567890123456.5", "one two three four, five six seven eight, "
	    "nine zero one two, three four five six point five");
	norm("$1234567890123456", "$ one two three four, five six seven "
	    "eight, nine zero one two, three four five six");
	norm("1.1234567890123456789", "one point one two three four five six "
	    "seven eight nine zero one two three four five six seven eight "
	    "nine");
	norm("$1.1234567890123456789", "one dollar and twelve cents");

	/* Tracking numbers and codes in groups of four. */
	norm("Tracking 1Z999AA10123456784.",
	    "Tracking one Z nine nine, nine A A one, zero one two three, "
	    "four five six seven, eight four.");
	norm("9400100000000000000000",
	    "nine four zero zero, one zero zero zero, zero zero zero zero, "
	    "zero zero zero zero, zero zero zero zero, zero zero");
	norm("code AB12", "code A B one two");

	/* Money. */
	norm("That is $12.50.", "That is twelve dollars and fifty cents.");
	norm("$1", "one dollar");
	norm("$0.99", "ninety nine cents");
	norm("a refund of $1,299.00",
	    "a refund of one thousand two hundred ninety nine dollars");
	norm("12.50 EUR", "twelve euros and fifty cents");
	norm("GBP 3.01", "three pounds and one penny");
	norm("\xc2\xa3" "5", "five pounds");
	norm("1500 JPY", "one thousand five hundred yen");

	/* Dates and times. */
	norm("It arrives on 2024-03-05.",
	    "It arrives on March fifth, twenty twenty four.");
	norm("by 12/31/2023", "by December thirty first, twenty twenty three");
	norm("2005-01-02", "January second, two thousand five");
	norm("at 14:30", "at two thirty PM");
	norm("at 9:00", "at nine o'clock");
	norm("on March 5, or May 31.", "on March fifth, or May thirty first.");
	norm("May 40", "May forty");
	norm("at 9:05 am", "at nine oh five AM");
	norm("at 10am", "at ten AM");
	norm("after 5 p.m. today", "after five PM today");
	norm("at 12:00", "at noon");
	norm("at 0:15", "at twelve fifteen AM");
	/* A suffix that agrees with a 24-hour clock is said once. */
	norm("at 0:15 am", "at twelve fifteen AM");
	norm("at 14:30 p.m.", "at two thirty PM");
	norm("at 14:30 am", "at two thirty PM am");
	sayas("time", "0:15 am", "twelve fifteen AM");
	sayas("time", "0:15 pm", NULL);
	norm("2024-13-05", "two thousand twenty four thirteen five");

	/* Phone numbers. */
	norm("Call +1 (555) 123-4567.",
	    "Call plus one, five five five, one two three, "
	    "four five six seven.");
	norm("call 555-123-4567 now",
	    "call five five five, one two three, four five six seven now");
	norm("dial 555-1234", "dial five five five, one two three four");
	norm("100 200 300", "one hundred two hundred three hundred");

	/* Words, abbreviations, symbols, email. */
	norm("Mr. Smith & Dr. Jones", "Mister Smith and Doctor Jones");
	norm("Write to help@shop.example.com.",
	    "Write to help at shop dot example dot com.");
	norm("Write to jo42@shop7.com.",
	    "Write to jo four two at shop seven dot com.");
	norm("don't worry", "don't worry");
	norm("caf\xc3\xa9 time", "caf\xc3\xa9 time");
	/* No digit is left for an engine to read its own way. */
	norm("caf\xc3\xa9" "2024", "caf\xc3\xa9 two thousand twenty four");
	norm("12,345a6", "twelve thousand three hundred forty five A six");
	/* A word after an amount or a time is a word of its own. */
	norm("$5abc", "five dollars abc");
	norm("at 14:30h", "at two thirty PM h");
	norm("1.5x", "one point five x");
	norm("x2\xc3\xa9" "3", "X two \xc3\xa9 three");
	norm("", "");

	/* say-as. */
	sayas("digits", "10234", "one zero two three four");
	sayas("characters", "ab-12", "A B one two");
	sayas("currency", "1250 USD", "twelve dollars and fifty cents");
	sayas("currency", "EUR 199", "one euro and ninety nine cents");
	sayas("currency", "5", "five cents");
	sayas("currency", "$3.10", "three dollars and ten cents");
	sayas("currency", "12.5 GBP", "twelve pounds and fifty pence");
	sayas("currency", "300 JPY", "three hundred yen");
	sayas("date", "2024-07-04", "July fourth, twenty twenty four");
	sayas("date", "20240704", "July fourth, twenty twenty four");
	sayas("telephone", "+44 20 7946 0958",
	    "plus four four, two zero, seven nine four six, zero nine five eight");
	sayas("telephone", "911", "nine one one");
	/* A full stop after the number ends the sentence. */
	sayas("telephone", "555-123-4567.",
	    "five five five, one two three, four five six seven.");
	sayas("telephone", "911.", "nine one one.");
	plan("Call <say-as interpret-as=\"telephone\">555-123-4567.</say-as> "
	    "Bye.", 0,
	    "Call five five five, one two three, four five six seven. | Bye.");
	sayas("ordinal", "3", "third");
	sayas("cardinal", "1,000", "one thousand");
	sayas("time", "7:45 pm", "seven forty five PM");
	ok(va_speechtext_say_as("bogus", "12") == NULL, "unknown say-as");
	ok(va_speechtext_say_as("date", "soon") == NULL, "date that is none");
	ok(va_speechtext_say_as("bogus", "") == NULL, "unknown, empty");
	/* Content that does not fit, all of it, is left to the caller. */
	sayas("cardinal", "12 apples", NULL);
	sayas("cardinal", "3.5", NULL);
	sayas("ordinal", "1.", NULL);
	sayas("date", "2024-07-04 extra", NULL);
	sayas("date", "2024-07-04-05", NULL);
	sayas("time", "7 dwarfs", NULL);
	sayas("time", "7:5", NULL);
	sayas("time", "19", "seven PM");
	sayas("cardinal", "100,000,000,000,000,000",
	    "one hundred thousand trillion");
	sayas("cardinal", "18,446,744,073,709,551,617", NULL);
	sayas("currency", "$3.10 each", NULL);
	sayas("telephone", "555-123-4567 ext 12",
	    "five five five one two three four five six seven E X T one two");
	plan("Odd <say-as interpret-as=\"cardinal\">7 dwarfs</say-as>.", 0,
	    "Odd seven dwarfs.");

	/* SSML in plans. */
	plan("Hello. How are you?", 0, "Hello. | How are you?");
	plan("Your order <say-as interpret-as=\"digits\">123</say-as> "
	    "shipped.", 0, "Your order one two three shipped.");
	plan("Total: <say-as interpret-as=\"currency\">1999 USD</say-as>.", 0,
	    "Total: nineteen dollars and ninety nine cents.");
	plan("One moment.<break time=\"300ms\"/> Here it is.", 0,
	    "One moment. <300ms> | Here it is.");
	plan("Wait <break time=\"1.5s\"/> for it.", 0,
	    "Wait <1500ms> for it.");
	plan("<break strength=\"weak\"/>Hi.", 0, "<200ms> Hi.");
	plan("<speak>Fish &amp; chips, <emphasis>now</emphasis>.</speak>", 0,
	    "Fish and chips, now.");
	plan("Is 3 < 4? Yes.", 0, "Is three < four? | Yes.");
	plan("Code <say-as interpret-as=\"characters\">ab1</say-as>. Bye.", 0,
	    "Code A B one. | Bye.");
	plan("Unclosed <say-as interpret-as=\"digits\">42", 0,
	    "Unclosed four two");
	plan("Odd <say-as interpret-as=\"nope\">7 dwarfs</say-as>.", 0,
	    "Odd seven dwarfs.");
	/* Control characters are spaces, never the planner's own marks. */
	plan("Say \001hello there.", 0, "Say hello there.");
	plan("one\002two\002\002three", 0, "one two three");
	norm("tab\001bed\177", "tab bed");
	/* Markup inside a say-as is dropped, not read out. */
	plan("Hi <say-as interpret-as=\"nope\"><break time=\"100ms\"/>x"
	    "</say-as>.", 0, "Hi <100ms> x.");
	plan("Hi <say-as>a <say-as interpret-as=\"digits\">12", 0,
	    "Hi a one two");
	plan("Code <say-as interpret-as=\"characters\">a<b/>c</say-as>.", 0,
	    "Code a c.");
	plan("   ", 0, "");
	plan("<break time=\"200ms\"/>", 0, "<200ms>");
	/* Breaks in a row after a sentence add up to 10 s at most. */
	plan("Hi.<break time=\"9s\"/><break time=\"9s\"/> "
	    "<break time=\"1s\"/>Bye.", 0, "Hi. <9000ms> <1000ms> <0ms> | Bye.");
	if (va_speechtext_plan("Hi.<break time=\"60s\"/><break time=\"7s\"/>",
	    0, 0, &p) == 0) {
		is_int(p.n, 1, "one chunk of breaks");
		is_int(p.chunks[0].parts[0].pause_ms, 10000, "breaks capped");
		va_speechtext_free(&p);
	} else
		ok(0, "plan with breaks in a row");
	/* A full stop after a break still ends the sentence before it. */
	plan("Hi <break time=\"1s\"/>. Bye.", 0, "Hi. <1000ms> | Bye.");
	plan("<break time=\"1s\"/>. Bye.", 0, "<1000ms> Bye.");
	/* So do breaks in a row inside a sentence: one part, one silence. */
	plan("A<break time=\"9s\"/><break time=\"9s\"/>B.", 0,
	    "A <9000ms> <1000ms> B.");
	if (va_speechtext_plan("A<break time=\"9s\"/><break time=\"9s\"/>B.",
	    0, 0, &p) == 0) {
		is_int(p.chunks[0].nparts, 2, "breaks in a row: one part");
		is_int(p.chunks[0].parts[0].pause_ms, 10000,
		    "breaks in a sentence capped");
		va_speechtext_free(&p);
	} else
		ok(0, "plan with breaks in a sentence");

	/* Long sentences split at phrase boundaries. */
	plan("Your order 10234 shipped yesterday and should arrive on "
	    "Friday, March 5.", 10,
	    "Your order one zero two three four shipped yesterday | "
	    "and should arrive on Friday, March fifth.");
	plan("I have checked everything for you, and the refund is on its "
	    "way to your card now.", 12,
	    "I have checked everything for you, | and the refund is on its "
	    "way to your card now.");
	plan("one two three four five six seven eight nine ten eleven "
	    "twelve.", 5,
	    "one two three four five | six seven eight nine ten | "
	    "eleven twelve.");

	/* Amounts, dates and phone numbers stay whole. */
	plan("Order 10234 totals <say-as interpret-as=\"currency\">4599 USD"
	    "</say-as> today.", 8,
	    "Order one zero two three four totals | forty five dollars and "
	    "ninety nine cents today.");
	plan("Call us at (555) 123-4567 or write to us.", 8,
	    "Call us at | five five five, one two three, four five six seven | "
	    "or write to us.");
	norm("No. 5 is here. No.", "number five is here. No.");
	norm("No. That is all.", "No. That is all.");

	/*
	 * The first chunk (the lead) is cut short: two words are enough,
	 * before a number read out, at a comma, a conjunction or a
	 * preposition; numbers spelled stay whole.
	 */
	plan2("Your order 10234 shipped yesterday and should arrive on "
	    "Friday, March 5, before noon today.", 10, 6,
	    "Your order | one zero two three four shipped yesterday | "
	    "and should arrive on Friday, March fifth, before noon today.");
	plan2("Thanks Anna, I found order 17919; it is on its way.", 10, 4,
	    "Thanks Anna, | I found order one seven nine one nine; | "
	    "it is on its way.");
	plan2("Dana, your parcel for order 33757 is out for delivery.", 10, 4,
	    "Dana, your parcel | for order three three seven five seven is "
	    "out | for delivery.");
	plan2("We looked and the refund is on its way to you.", 10, 4,
	    "We looked | and the refund is on its way to you.");
	plan2("I have opened ticket 41676 for you.", 10, 4,
	    "I have opened ticket | four one six seven six for you.");
	/* Never a lead of one word, and a short sentence stays whole. */
	plan2("Hi, your refund of twelve dollars is on its way.", 10, 4,
	    "Hi, your refund | of twelve dollars is on its way.");
	plan2("Your order shipped today.", 10, 4,
	    "Your order shipped today.");
	/* --first-words 0: the first chunk is cut like any other. */
	plan2("Your order 10234 shipped yesterday and should arrive on "
	    "Friday, March 5, before noon today.", 10, 0,
	    "Your order one zero two three four shipped yesterday | "
	    "and should arrive on Friday, March fifth, before noon today.");
	plan2("Thanks. Your parcel is out for delivery and arrives by five "
	    "today.", 10, 2,
	    "Thanks. | Your parcel is out for delivery | and arrives by five "
	    "today.");
	plan2("Tracking 1Z999AA10123456784 arrives today.", 6, 0,
	    "Tracking one Z nine nine, | nine A A one, | "
	    "zero one two three, | four five six seven, | "
	    "eight four arrives today.");

	/* A minus sign is said; a dash in a range or between words is not. */
	norm("It is -42 degrees.", "It is minus forty two degrees.");
	norm("Balance -$25.99 now.",
	    "Balance minus twenty five dollars and ninety nine cents now.");
	norm("(-3)", "minus three");
	norm("Pages 10-20 - or 30.", "Pages ten twenty, or thirty.");
	sayas("cardinal", "-17", "minus seventeen");
	sayas("ordinal", "-17", NULL);
	sayas("currency", "USD -42", "minus forty two cents");
	sayas("currency", "-$3.50", "minus three dollars and fifty cents");
	sayas("currency", "-abc", NULL);
	plan("Owed <say-as interpret-as=\"currency\">-x</say-as> now.", 0,
	    "Owed x now.");

	/* Parts carry the pauses. */
	if (va_speechtext_plan("A<break time=\"100ms\"/>B.", 0, 0, &p) == 0) {
		is_int(p.n, 1, "one chunk");
		is_int(p.chunks[0].nparts, 2, "two parts");
		is_str(p.chunks[0].parts[0].words, "A", "first words");
		is_int(p.chunks[0].parts[0].pause_ms, 100, "pause after");
		is_str(p.chunks[0].parts[1].words, "B.", "second words");
		is_str(p.chunks[0].text, "A B.", "text without pauses");
		is_int(p.chunks[0].words, 2, "word count");
		va_speechtext_free(&p);
	} else
		ok(0, "plan with parts");
	return tap_done();
}
