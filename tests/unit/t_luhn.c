/*
 * t_luhn.c - Luhn check and card number search.
 */
#include <string.h>

#include "luhn.h"
#include "tap.h"

static void
find(const char *s, const char *want)
{
	size_t st, n;
	char got[64] = "";

	if (va_card_find(s, &st, &n)) {
		memcpy(got, s + st, n);
		got[n] = '\0';
	}
	is_str(got, want, "find in \"%s\"", s);
}

int
main(void)
{
	ok(va_luhn_valid("4111111111111111", 16), "Visa test number");
	ok(va_luhn_valid("5555555555554444", 16), "Mastercard test number");
	ok(va_luhn_valid("378282246310005", 15), "Amex test number");
	ok(!va_luhn_valid("4111111111111112", 16), "one digit off fails");
	ok(!va_luhn_valid("41111x1111111111", 16), "non-digit fails");
	ok(!va_luhn_valid("", 0), "empty fails");
	ok(va_luhn_valid("79927398713", 11), "Wikipedia example");

	find("my card is 4111 1111 1111 1111 thanks", "4111 1111 1111 1111");
	find("card 4111-1111-1111-1111.", "4111-1111-1111-1111");
	find("4111111111111111", "4111111111111111");
	find("amex 378282246310005 ok", "378282246310005");
	find("order 10234 please", "");
	find("4111111111111112", "");
	find("phone 5551234567", "");
	find("long 41111111111111111111111 digits", "");
	find("two  spaces 4111  1111 1111 1111", "");
	find("first 1234 then 5555555555554444", "5555555555554444");
	return tap_done();
}
