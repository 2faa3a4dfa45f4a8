/*
 * nocard.h - refusing card data: is there a payment card number anywhere
 * in a decoded event?
 *
 * va-ticket and va-pay must never store, log or forward a card number, so
 * before anything else they look through every string (and every integer
 * of 13 digits or more) of the action they are asked to handle. A card
 * number is what va_card_find() (luhn.h) finds, standing on its own: a run
 * of digits glued to a letter ("993617894903480A", an Adyen pspReference)
 * is an identifier, not a card.
 */
#ifndef VA_NOCARD_H
#define VA_NOCARD_H

#include <jansson.h>

#include "event.h"

/* 1 when the string holds a card number standing on its own, else 0. */
int	va_nocard_in_text(const char *s);
/*
 * 1 when any string or integer in v (walked to any depth, object keys
 * included) holds a card number, else 0. The value is borrowed.
 */
int	va_nocard_in_json(const json_t *v);
/*
 * 1 when any member of the event holds a card number, else 0; the numbers
 * of the envelope (at, t_ms, turn, proc_ms) are not looked at.
 */
int	va_nocard_in_event(const struct va_event *);

#endif
