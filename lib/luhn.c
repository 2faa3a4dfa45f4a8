/*
 * luhn.c - Luhn check and card number search (see luhn.h).
 */
#include <string.h>

#include "luhn.h"

int
va_luhn_valid(const char *d, size_t n)
{
	size_t i;
	int sum = 0, v, dbl = 0;

	if (n == 0)
		return 0;
	for (i = n; i-- > 0;) {
		if (d[i] < '0' || d[i] > '9')
			return 0;
		v = d[i] - '0';
		if (dbl && (v *= 2) > 9)
			v -= 9;
		sum += v;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
va_card_find(const char *s, size_t *start, size_t *len)
{
	char digits[20];
	size_t i, j, n, nd, last_end;
	size_t ends[20];

	for (i = 0; s[i] != '\0'; i++) {
		/* A run starts at a digit not preceded by one. */
		if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1])))
			continue;
		nd = 0;
		for (j = i; s[j] != '\0' && nd < 20;) {
			if (is_digit(s[j])) {
				if (nd == 19)
					break;
				digits[nd] = s[j];
				ends[nd++] = j + 1;
				j++;
			} else if ((s[j] == ' ' || s[j] == '-') &&
			    is_digit(s[j + 1]) && j > i)
				j++;
			else
				break;
		}
		/* Digits run on past 19: not a card number. */
		if (nd == 19 && is_digit(s[j]))
			continue;
		/* The longest prefix of 13..19 digits that passes Luhn. */
		for (n = nd; n >= 13; n--) {
			last_end = ends[n - 1];
			if (is_digit(s[last_end]))
				continue;	/* would split a group */
			if (va_luhn_valid(digits, n)) {
				*start = i;
				*len = last_end - i;
				return 1;
			}
		}
	}
	return 0;
}
