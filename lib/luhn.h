/*
 * luhn.h - payment card numbers: the Luhn check, and finding one in text.
 *
 * A card number here is 13 to 19 digits passing the Luhn check, possibly
 * grouped by single spaces or dashes ("4111 1111 1111 1111"). Used to
 * redact card numbers before anything is stored (va-intent) and to refuse
 * any input that holds one (va-pay, va-ticket).
 */
#ifndef VA_LUHN_H
#define VA_LUHN_H

#include <stddef.h>

/* 1 when the n digits (ASCII '0'..'9' only) pass the Luhn check. */
int	va_luhn_valid(const char *digits, size_t n);
/*
 * Find the first card number in s: returns 1 and sets *start and *len
 * (the span in s, separators included), or 0 when there is none.
 */
int	va_card_find(const char *s, size_t *start, size_t *len);

#endif
