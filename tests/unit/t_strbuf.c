/*
 * t_strbuf.c - the growing string (lib/strbuf.c).
 */
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "tap.h"

int
main(void)
{
	struct va_strbuf b = { 0 };
	char big[1000], *s;

	s = va_strbuf_finish(&b);
	is_str(s, "", "nothing appended is the empty string");
	free(s);

	va_strbuf_add(&b, "Your order ");
	va_strbuf_addn(&b, "10234xyz", 5);
	va_strbuf_add(&b, "");
	va_strbuf_addn(&b, " has shipped.", 13);
	is_str(b.s, "Your order 10234 has shipped.", "appends in order");
	is_int(b.len, strlen("Your order 10234 has shipped."), "len counts");
	ok(b.cap > b.len, "room for the NUL");
	s = va_strbuf_finish(&b);
	is_str(s, "Your order 10234 has shipped.", "finish hands it over");
	free(s);

	memset(&b, 0, sizeof(b));
	memset(big, 'a', sizeof(big));
	va_strbuf_addn(&b, big, sizeof(big));
	va_strbuf_addn(&b, big, sizeof(big));
	is_int(b.len, 2 * sizeof(big), "grows past its first size");
	ok(b.s[b.len] == '\0' && b.s[b.len - 1] == 'a', "ends with a NUL");
	free(b.s);

	memset(&b, 0, sizeof(b));
	va_strbuf_add(&b, "lost");
	b.oom = 1;
	va_strbuf_add(&b, " more");
	is_int(b.len, 4, "after running out, appends do nothing");
	ok(va_strbuf_finish(&b) == NULL && b.s == NULL,
	    "finish after running out is NULL, the buffer freed");
	return tap_done();
}
