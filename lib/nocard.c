/*
 * nocard.c - finding card numbers in decoded events (see nocard.h).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "luhn.h"
#include "nocard.h"

static int
is_alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

int
va_nocard_in_text(const char *s)
{
	size_t start, len;

	while (s != NULL && *s != '\0' && va_card_find(s, &start, &len)) {
		/* Glued to a letter or digit: an identifier; look further. */
		if ((start > 0 && is_alnum(s[start - 1])) ||
		    is_alnum(s[start + len])) {
			s += start + 1;
			while (isdigit((unsigned char)*s))
				s++;
			continue;
		}
		return 1;
	}
	return 0;
}

int
va_nocard_in_json(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	char num[32];

	switch (json_typeof(v)) {
	case JSON_STRING:
		return va_nocard_in_text(json_string_value(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return va_nocard_in_text(num);
	case JSON_ARRAY:
		json_array_foreach(v, i, x)
			if (va_nocard_in_json(x))
				return 1;
		return 0;
	case JSON_OBJECT:
		/* json_object_foreach wants a non-const object. */
		json_object_foreach((json_t *)(uintptr_t)v, k, x)
			if (va_nocard_in_text(k) || va_nocard_in_json(x))
				return 1;
		return 0;
	default:
		return 0;
	}
}

/* Members of an event that are numbers of the envelope, not input. */
static int
envelope_number(const char *k)
{
	return strcmp(k, "at") == 0 || strcmp(k, "t_ms") == 0 ||
	    strcmp(k, "turn") == 0 || strcmp(k, "proc_ms") == 0;
}

int
va_nocard_in_event(const struct va_event *ev)
{
	json_t *o = va_event_object(ev), *v;
	const char *k;
	int found = 0;

	json_object_foreach(o, k, v)
		if (!envelope_number(k) && va_nocard_in_json(v)) {
			found = 1;
			break;
		}
	json_decref(o);
	return found;
}
