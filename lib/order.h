/*
 * order.h - the normalised order every shop backend is turned into, its
 * JSON form, and the sentence that tells a caller where it is.
 *
 * Whatever the shop (Shopify, Magento, WooCommerce, BigCommerce, the local
 * store), an order becomes one struct va_order: the number the customer
 * knows, a status from one small vocabulary, the vendor's own status word,
 * the financial status, items, the total in integer minor units with its
 * currency, fulfilments with carrier and tracking numbers, and dates as
 * ISO 8601 UTC ("2024-03-05T21:40:11Z").
 *
 * Statuses (va_order_status_valid): pending (awaiting payment), processing
 * (paid, being prepared), on_hold, partially_shipped, shipped, delivered,
 * completed, cancelled, refunded, failed, unknown.
 *
 * JSON form (va_order_to_json), members in this order, absent ones null:
 *   {"number":"1001","id":"450789469","store":"main","status":"shipped",
 *    "vendor_status":"fulfilled","financial_status":"paid",
 *    "currency":"USD","total":40994,
 *    "items":[{"title":"Mug","sku":"MUG-1","quantity":2,"price":1250}],
 *    "fulfilments":[{"status":"in_transit","carrier":"UPS",
 *      "tracking":["1Z5R89390357567127"],"shipped_at":"..."}],
 *    "email":"...","created_at":"...","updated_at":"...",
 *    "cancelled_at":null}
 * Item prices are unit prices in minor units of the order's currency.
 *
 * Ownership: every string in a struct va_order is owned by it and freed by
 * va_order_free(); json_t values returned are new references.
 */
#ifndef VA_ORDER_H
#define VA_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct va_order_item {
	char	*title;
	char	*sku;
	int64_t	quantity;
	int64_t	price;		/* unit price in minor units, or -1 */
};

struct va_order_fulfilment {
	char	*status;	/* vendor's shipment status, or NULL */
	char	*carrier;	/* display name, "UPS" */
	char	**tracking;	/* tracking numbers */
	size_t	ntracking;
	char	*shipped_at;
};

struct va_order {
	char	*number;	/* as the customer knows it, without "#" */
	char	*id;		/* the backend's own id */
	char	*store;		/* configured store name */
	char	*status;	/* normalised, see above */
	char	*vendor_status;
	char	*financial_status;
	char	*currency;	/* ISO 4217, upper case */
	int64_t	total;		/* minor units; -1 unknown */
	struct va_order_item *items;
	size_t	nitems;
	struct va_order_fulfilment *fulfilments;
	size_t	nfulfilments;
	char	*email;
	char	*phone;		/* local store only; not in JSON */
	char	*created_at;
	char	*updated_at;
	char	*cancelled_at;
};

/* Set every member empty (total and prices -1). */
void	va_order_init(struct va_order *);
void	va_order_free(struct va_order *);

/* Replace *dst with a copy of src (NULL sets NULL); 0 or -1 (no memory). */
int	va_order_set(char **dst, const char *src);
/* Append an item or a fulfilment, returning it zeroed; NULL: no memory. */
struct va_order_item *va_order_add_item(struct va_order *);
struct va_order_fulfilment *va_order_add_fulfilment(struct va_order *);
/* Append a tracking number unless already there; 0 or -1. */
int	va_order_add_tracking(struct va_order_fulfilment *, const char *);

/* 1 when s is one of the normalised statuses. */
int	va_order_status_valid(const char *s);

/*
 * The order as JSON (the form above); a new reference, NULL on no memory.
 */
json_t	*va_order_to_json(const struct va_order *);
/*
 * Fill o (initialised here) from that JSON form; unknown members are
 * ignored. Returns 0, or -1 with *why set to a static reason (the number
 * missing, a member of the wrong type).
 */
int	va_order_from_json(struct va_order *, const json_t *,
	    const char **why);

/*
 * Minor units for currency (2 unless the currency has 0 or 3 decimals,
 * such as JPY or KWD).
 */
int	va_money_exponent(const char *currency);
/*
 * Parse a decimal amount as vendors write it ("409.94", "10", "-3.5",
 * 409.94 as a JSON number's text) into minor units of currency, exactly
 * (no binary floating point); extra decimals are rounded half away from
 * zero. Returns 0, or -1 when s is not a decimal number.
 */
int	va_money_parse(const char *s, const char *currency, int64_t *out);
/* The same for a JSON string or number (a real is printed with %.6f). */
int	va_money_json(const json_t *, const char *currency, int64_t *out);

/*
 * A vendor timestamp as ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ" into out
 * (at least 21 bytes). Accepts ISO 8601 with or without "T", fraction,
 * "Z" or an offset (no zone means UTC: Magento, WooCommerce's *_gmt),
 * and RFC 2822 ("Tue, 05 Mar 2019 21:40:11 +0000", BigCommerce).
 * Returns 0, or -1 when s is none of those.
 */
int	va_order_date(const char *s, char *out, size_t cap);

/* How a reply says numbers: digits spaced ("1 0 2 3 4") or SSML say-as. */
enum va_say_mode { VA_SAY_PLAIN, VA_SAY_SSML };

/*
 * The sentence for the caller about order o; a new string (free()), NULL
 * on no memory. "Your order 1 0 2 3 4 has shipped with UPS and is on its
 * way. The tracking number ends in 7 1 2 7."
 */
char	*va_order_say(const struct va_order *, enum va_say_mode);
/*
 * The sentence when there is no order to tell about. status is
 * "not_found", "invalid" or "unavailable"; number is the number searched
 * for (NULL when the search was by phone or email), by says which
 * ("phone" or "email"; for "invalid", a search the store cannot do, or
 * NULL when nothing usable was given). A new string, NULL on no memory.
 */
char	*va_order_say_missing(const char *status, const char *number,
	    const char *by, enum va_say_mode);

#endif
