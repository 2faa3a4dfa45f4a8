/*
 * ticket.h - the ticket record va-ticket hands to a person, and its
 * rendering as a subject and a plain-text body.
 *
 * A ticket is made from the params of an action {tool "ticket", op
 * "create"} (va-events(5)): reason, summary, priority, tags, slots, order,
 * customer and the transcript (already redacted upstream), plus the call id
 * and the action's idempotency key, which names the ticket everywhere
 * (outbox, vendor idempotency key, external id) so it exists once.
 *
 * The record is kept as one JSON object (the outbox payload); the string
 * pointers of struct va_ticket borrow from it. Rendering returns new
 * strings (free()).
 */
#ifndef VA_TICKET_H
#define VA_TICKET_H

#include <jansson.h>

struct va_ticket {
	json_t	*doc;		/* owned: the whole record */
	const char *key;	/* idempotency key (never NULL) */
	const char *call;	/* may be "" */
	const char *reason;	/* may be NULL */
	const char *summary;	/* may be NULL */
	const char *priority;	/* "low", "normal", "high" or "urgent" */
};

/*
 * Build a ticket from an action's params (borrowed). Returns 0, or -1 with
 * why set to a short reason fit for an "invalid" result (no key, no reason
 * nor summary, a member of the wrong type).
 */
int	va_ticket_from_params(struct va_ticket *, const char *call,
	    const char *key, const json_t *params, char *why, size_t whylen);
/* Rebuild a ticket from its record (va_ticket_payload()); 0 or -1. */
int	va_ticket_from_payload(struct va_ticket *, const char *text);
/* The record as compact JSON text (new), NULL when out of memory. */
char	*va_ticket_payload(const struct va_ticket *);
void	va_ticket_free(struct va_ticket *);

/* Borrowed member of the record (tags, slots, order, customer,
 * transcript), or NULL. */
json_t	*va_ticket_get(const struct va_ticket *, const char *name);
/* The customer's name, email or phone, when given as a string; else NULL. */
const char *va_ticket_customer(const struct va_ticket *, const char *field);
/* The order number, whether order is a string, a number or {number}. */
char	*va_ticket_order(const struct va_ticket *);

/* "Phone call: <reason>: <summary>" cut to 120 bytes; new string. */
char	*va_ticket_subject(const struct va_ticket *);
/*
 * The body: summary, reason, priority, call and key, customer, order,
 * collected slots, then the transcript as "[mm:ss] caller: text" lines.
 */
char	*va_ticket_body(const struct va_ticket *);

/*
 * A ticket number as a caller should hear it: each letter and digit on its
 * own ("4512" -> "4 5 1 2", "INC0010001" -> "I N C 0 0 1 0 0 0 1"); new.
 */
char	*va_ticket_spell(const char *number);

#endif
