/*
 * shop_local.c - the local backend: orders kept in the sqlite store itself,
 * filled by `va-order import` (see shop.h). The default when no shop is
 * configured, and a way to serve a shop's export when its API is out of
 * reach.
 *
 * Table shop_orders(store, number, email, phone, created_at, data): data is
 * the order's JSON form (order.h); email lower-cased, phone as digits.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "shop.h"

static const struct va_migration migrations[] = {
	{ 1,
	  "CREATE TABLE shop_orders ("
	  " store TEXT NOT NULL, number TEXT NOT NULL, email TEXT,"
	  " phone TEXT, created_at TEXT, data TEXT NOT NULL,"
	  " updated INTEGER NOT NULL, PRIMARY KEY (store, number));"
	  "CREATE INDEX shop_orders_email ON shop_orders (store, email);"
	  "CREATE INDEX shop_orders_phone ON shop_orders (store, phone);" },
};

int
va_shop_local_init(struct va_store *db)
{
	return va_store_migrate(db, "shop_orders", migrations,
	    sizeof(migrations) / sizeof(migrations[0]));
}

/* Keep what identifies the order in a comparable form. */
static void
norm(const char *in, char *out, size_t cap, int phone)
{
	size_t n = 0;

	for (; in != NULL && *in != '\0' && n + 1 < cap; in++) {
		if (phone && !isdigit((unsigned char)*in))
			continue;
		if (!phone && (*in == '#' || *in == ' ' || *in == '-'))
			continue;
		out[n++] = phone ? *in : (char)toupper((unsigned char)*in);
	}
	out[n] = '\0';
}

int
va_shop_local_put(struct va_store *db, const char *store,
    const struct va_order *o)
{
	struct va_stmt *st;
	char num[128], phone[64], *email = NULL, *text;
	json_t *j;
	size_t i;
	int rc = -1;

	if ((j = va_order_to_json(o)) == NULL)
		return -1;
	/* The number as said, without Shopify's "#". */
	if (o->number != NULL && o->number[0] == '#')
		json_object_set_new(j, "number", json_string(o->number + 1));
	/* The phone is not part of the spoken JSON form; keep it here. */
	if (o->phone != NULL)
		json_object_set_new(j, "phone", json_string(o->phone));
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (text == NULL)
		return -1;
	norm(o->number, num, sizeof(num), 0);
	norm(o->phone, phone, sizeof(phone), 1);
	if (o->email != NULL && (email = strdup(o->email)) != NULL)
		for (i = 0; email[i] != '\0'; i++)
			email[i] = (char)tolower((unsigned char)email[i]);
	st = va_store_prepare(db, "INSERT OR REPLACE INTO shop_orders"
	    " (store, number, email, phone, created_at, data, updated)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (st != NULL &&
	    va_stmt_bind_text(st, 1, store) == 0 &&
	    va_stmt_bind_text(st, 2, num) == 0 &&
	    va_stmt_bind_text(st, 3, email) == 0 &&
	    va_stmt_bind_text(st, 4, phone[0] ? phone : NULL) == 0 &&
	    va_stmt_bind_text(st, 5, o->created_at) == 0 &&
	    va_stmt_bind_text(st, 6, text) == 0 &&
	    va_stmt_bind_int(st, 7, va_clock_ms()) == 0 &&
	    va_stmt_step(st) == 0)
		rc = 0;
	va_stmt_finalize(st);
	free(email);
	free(text);
	return rc;
}

static int
local_lookup(struct va_shop *s, const struct va_shop_query *q,
    struct va_shop_answer *a)
{
	struct va_stmt *st;
	const char *sql, *arg, *why;
	json_t *j;
	int rc;

	if (q->number != NULL) {
		sql = "SELECT data FROM shop_orders WHERE store = ? AND"
		    " number = ?";
		arg = q->number;
	} else if (q->phone != NULL) {
		/* The last ten digits: with or without the country code. */
		sql = "SELECT data FROM shop_orders WHERE store = ? AND"
		    " substr(phone, -10) = substr(?, -10)"
		    " ORDER BY created_at DESC LIMIT 1";
		arg = q->phone;
	} else {
		sql = "SELECT data FROM shop_orders WHERE store = ? AND"
		    " email = ? ORDER BY created_at DESC LIMIT 1";
		arg = q->email;
	}
	if ((st = va_store_prepare(s->db, sql)) == NULL ||
	    va_stmt_bind_text(st, 1, s->name) == -1 ||
	    va_stmt_bind_text(st, 2, arg) == -1 ||
	    (rc = va_stmt_step(st)) == -1) {
		va_stmt_finalize(st);
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "store",
		    "the local order table cannot be read");
		return 0;
	}
	if (rc == 0) {
		va_stmt_finalize(st);
		va_shop_fail(a, VA_SHOP_NOT_FOUND, "not_found",
		    "no such order");
		return 0;
	}
	j = json_loads(va_stmt_text(st, 0), 0, NULL);
	va_stmt_finalize(st);
	if (j == NULL || va_order_from_json(&a->order, j, &why) == -1) {
		va_shop_fail(a, VA_SHOP_UNAVAILABLE, "store",
		    "a stored order does not parse");
		json_decref(j);
		return 0;
	}
	json_decref(j);
	a->status = VA_SHOP_OK;
	return 0;
}

const struct va_shop_backend va_shop_local = {
	"local", local_lookup, NULL, 1000, 1000
};
