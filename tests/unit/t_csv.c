/*
 * t_csv.c - unit tests for lib/csv.c: quoting, CRLF, BOM, TSV, columns.
 */
#include <string.h>

#include "csv.h"
#include "tap.h"

int
main(void)
{
	static const char csv[] = "\xef\xbb\xbftext,category\r\n"
	    "plain,a\r\n"
	    "\"with, comma\",b\r\n"
	    "\"say \"\"hi\"\"\nnext line\",c\r\n"
	    "\r\n"
	    "last,d";
	static const char tsv[] = "utterance\tintent\nhello there\tgreeting\n";
	static const char tsv2[] = "\n\r\n\nutterance\tintent\nhi\tgreeting\n";
	static const char nul[] = "a,b\nx\0y,z\nlast,1\n";
	struct va_csv c;
	int n;

	ok(va_csv_open_mem(&c, csv, sizeof(csv) - 1, 0) == 0, "open csv");
	is_int(c.sep, ',', "comma guessed");
	is_int(va_csv_col(&c, "text"), 0, "BOM skipped in first column name");
	is_int(va_csv_col(&c, "CATEGORY"), 1, "column names ignore case");
	is_int(va_csv_col(&c, "nope"), -1, "missing column");
	is_int(c.line, 1, "header on line 1");
	is_int(va_csv_next(&c), 1, "row 1");
	is_int(c.line, 2, "row 1 on line 2");
	is_str(c.f[0], "plain", "plain field");
	is_str(c.f[1], "a", "CR dropped");
	is_int(va_csv_next(&c), 1, "row 2");
	is_str(c.f[0], "with, comma", "quoted comma");
	is_int(va_csv_next(&c), 1, "row 3");
	is_int(c.line, 4, "row 3 begins on line 4");
	is_str(c.f[0], "say \"hi\"\nnext line", "doubled quotes, line break");
	is_str(c.f[1], "c", "field after a multi-line one");
	is_int(va_csv_next(&c), 1, "blank line skipped");
	is_str(c.f[0], "last", "last row without newline");
	is_int(c.line, 7, "line counts the blank line and the quoted break");
	is_int((long long)c.nf, 2, "two fields");
	is_int(va_csv_next(&c), 0, "end");
	va_csv_close(&c);

	ok(va_csv_open_mem(&c, tsv, sizeof(tsv) - 1, 0) == 0, "open tsv");
	is_int(c.sep, '\t', "tab guessed");
	is_int(va_csv_next(&c), 1, "tsv row");
	is_str(c.f[0], "hello there", "tsv text");
	is_str(c.f[1], "greeting", "tsv label");
	va_csv_close(&c);

	/* The separator is guessed from the header, past blank lines. */
	ok(va_csv_open_mem(&c, tsv2, sizeof(tsv2) - 1, 0) == 0, "open tsv2");
	is_int(c.sep, '\t', "tab guessed after blank lines");
	is_int(va_csv_col(&c, "intent"), 1, "tsv2 second column");
	is_int(c.line, 4, "tsv2 header on line 4");
	va_csv_close(&c);

	ok(va_csv_open_mem(&c, "a,b\n\"open,1\n", 11, 0) == 0, "open bad");
	is_int(va_csv_next(&c), -1, "unterminated quote");
	va_csv_close(&c);
	ok(va_csv_open_mem(&c, "", 0, 0) == -1, "empty file has no header");
	ok(va_csv_open_mem(&c, NULL, 0, 0) == -1, "no data at all");
	ok(va_csv_open_mem(&c, "\"a,b\n1,2\n", 10, 0) == -1,
	    "a header with an open quote is refused");

	/* A NUL byte ends a field's string, not the record or the file. */
	ok(va_csv_open_mem(&c, nul, sizeof(nul) - 1, 0) == 0, "open nul");
	is_int(va_csv_next(&c), 1, "row with a NUL");
	is_int((long long)c.nf, 2, "the NUL ends no field");
	is_str(c.f[0], "x", "field up to the NUL");
	is_str(c.f[1], "z", "field after the NUL");
	is_int(va_csv_next(&c), 1, "row after the NUL");
	is_str(c.f[0], "last", "the reader got past the NUL");
	for (n = 0; n < 10 && va_csv_next(&c) == 1; n++)
		;
	is_int(n, 0, "then the end");
	va_csv_close(&c);
	return tap_done();
}
