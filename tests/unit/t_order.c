/*
 * t_order.c - the normalised order: money, dates, JSON both ways and the
 * sentences a caller hears.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "order.h"
#include "tap.h"

static void
money(void)
{
	int64_t v = 0;

	is_int(va_money_parse("409.94", "USD", &v), 0, "409.94 parses");
	is_int(v, 40994, "409.94 USD is 40994 cents");
	va_money_parse("10", "USD", &v);
	is_int(v, 1000, "10 USD is 1000 cents");
	va_money_parse("3.5", "EUR", &v);
	is_int(v, 350, "one decimal is scaled");
	va_money_parse("1.005", "USD", &v);
	is_int(v, 101, "a third decimal rounds half away from zero");
	va_money_parse("-2.25", "USD", &v);
	is_int(v, -225, "negative amounts");
	va_money_parse("1500", "JPY", &v);
	is_int(v, 1500, "yen have no minor units");
	va_money_parse("1.250", "KWD", &v);
	is_int(v, 1250, "dinars have three decimals");
	is_int(va_money_parse("12,50", "EUR", &v), -1, "a comma is refused");
	is_int(va_money_parse("", "EUR", &v), -1, "empty is refused");
	is_int(va_money_parse(".", "EUR", &v), -1, "a lone dot is refused");
	is_int(va_money_parse("1e5", "EUR", &v), -1, "exponents are refused");
}

static void
dates(void)
{
	char d[32];

	va_order_date("2008-01-10T11:00:00-05:00", d, sizeof(d));
	is_str(d, "2008-01-10T16:00:00Z", "ISO with an offset becomes UTC");
	va_order_date("2024-03-05 21:40:11", d, sizeof(d));
	is_str(d, "2024-03-05T21:40:11Z", "Magento's space form is UTC");
	va_order_date("2017-03-22T16:28:02.123Z", d, sizeof(d));
	is_str(d, "2017-03-22T16:28:02Z", "fractions dropped");
	va_order_date("Tue, 05 Mar 2019 21:40:11 +0000", d, sizeof(d));
	is_str(d, "2019-03-05T21:40:11Z", "RFC 2822 (BigCommerce)");
	va_order_date("5 Mar 2019 23:40:11 +0200", d, sizeof(d));
	is_str(d, "2019-03-05T21:40:11Z", "RFC 2822 without day name");
	va_order_date("2024-02-29", d, sizeof(d));
	is_str(d, "2024-02-29T00:00:00Z", "date only");
	is_int(va_order_date("yesterday", d, sizeof(d)), -1, "words refused");
	is_int(va_order_date("2024-13-01", d, sizeof(d)), -1,
	    "month 13 refused");
}

static struct va_order
sample(void)
{
	struct va_order o;
	struct va_order_item *it;
	struct va_order_fulfilment *f;

	va_order_init(&o);
	va_order_set(&o.number, "10234");
	va_order_set(&o.status, "shipped");
	va_order_set(&o.currency, "USD");
	o.total = 40994;
	it = va_order_add_item(&o);
	va_order_set(&it->title, "Mug");
	it->quantity = 2;
	it->price = 1250;
	f = va_order_add_fulfilment(&o);
	va_order_set(&f->carrier, "UPS");
	va_order_add_tracking(f, "1Z5R89390357567127");
	va_order_add_tracking(f, "1Z5R89390357567127");
	return o;
}

static void
json(void)
{
	struct va_order o = sample(), back;
	const char *why;
	json_t *j, *j2;
	char *s, *s2;

	is_int(o.fulfilments[0].ntracking, 1, "a tracking number once");
	j = va_order_to_json(&o);
	ok(j != NULL, "to JSON");
	s = json_dumps(j, JSON_COMPACT);
	is_str(s, "{\"number\":\"10234\",\"id\":null,\"store\":null,"
	    "\"status\":\"shipped\",\"vendor_status\":null,"
	    "\"financial_status\":null,\"currency\":\"USD\",\"total\":40994,"
	    "\"items\":[{\"title\":\"Mug\",\"sku\":null,\"quantity\":2,"
	    "\"price\":1250}],\"fulfilments\":[{\"status\":null,"
	    "\"carrier\":\"UPS\",\"tracking\":[\"1Z5R89390357567127\"],"
	    "\"shipped_at\":null}],\"email\":null,\"created_at\":null,"
	    "\"updated_at\":null,\"cancelled_at\":null}", "JSON form");
	is_int(va_order_from_json(&back, j, &why), 0, "from JSON");
	j2 = va_order_to_json(&back);
	s2 = json_dumps(j2, JSON_COMPACT);
	is_str(s2, s, "round trip");
	free(s);
	free(s2);
	json_decref(j);
	json_decref(j2);
	va_order_free(&back);
	va_order_free(&o);

	j = json_loads("{\"status\":\"shipped\"}", 0, NULL);
	is_int(va_order_from_json(&back, j, &why), -1, "number required");
	is_str(why, "no order number", "why");
	json_decref(j);
	j = json_loads("{\"number\":\"1\",\"status\":\"lost\"}", 0, NULL);
	is_int(va_order_from_json(&back, j, &why), -1, "status checked");
	json_decref(j);
	j = json_loads("{\"number\":\"1\",\"total\":\"12\"}", 0, NULL);
	is_int(va_order_from_json(&back, j, &why), -1, "total is an integer");
	json_decref(j);
}

static void
say(void)
{
	struct va_order o = sample();
	char *s;

	s = va_order_say(&o, VA_SAY_PLAIN);
	is_str(s, "Your order 1 0 2 3 4 has shipped with UPS and is on its "
	    "way. The tracking number ends in 7 1 2 7.", "shipped");
	free(s);
	s = va_order_say(&o, VA_SAY_SSML);
	is_str(s, "Your order <say-as interpret-as=\"digits\">10234</say-as> "
	    "has shipped with UPS and is on its way. The tracking number "
	    "ends in <say-as interpret-as=\"digits\">7127</say-as>.",
	    "shipped, SSML");
	free(s);
	va_order_set(&o.status, "processing");
	va_order_set(&o.number, "#1001");
	s = va_order_say(&o, VA_SAY_PLAIN);
	is_str(s, "Your order 1 0 0 1 has been received and is being "
	    "prepared for shipping.", "processing, # not said");
	free(s);
	va_order_set(&o.status, "partially_shipped");
	va_order_set(&o.fulfilments[0].carrier, "A&B <Post>");
	s = va_order_say(&o, VA_SAY_SSML);
	ok(s != NULL && strstr(s, "A&amp;B &lt;Post&gt;") != NULL,
	    "SSML escapes text");
	free(s);
	va_order_free(&o);

	s = va_order_say_missing("not_found", "55", NULL, VA_SAY_PLAIN);
	is_str(s, "I couldn't find an order with the number 5 5. Could you "
	    "check the number and say it again?", "not found");
	free(s);
	s = va_order_say_missing("not_found", NULL, "phone", VA_SAY_PLAIN);
	ok(strstr(s, "phone number") != NULL, "not found by phone");
	free(s);
	s = va_order_say_missing("unavailable", NULL, NULL, VA_SAY_PLAIN);
	ok(strstr(s, "can't reach") != NULL, "unavailable is honest");
	free(s);
}

int
main(void)
{
	va_log_init("t_order");
	money();
	dates();
	json();
	say();
	return tap_done();
}
