/*
 * t_carrier.c - what the carrier adapters share (lib/carrier.c): request
 * building, the parse around a reader, the delivery window.
 */
#include <string.h>

#include "carrier.h"
#include "tap.h"

static enum va_carrier_parse
read_delivered(const char *number, const json_t *o, struct va_shipment *s)
{
	s->status = VA_SHIP_DELIVERED;
	strcpy(s->est_date, "2026-11-23");
	strcpy(s->est_from, "09:00");
	return VA_PARSE_FOUND;
}

static enum va_carrier_parse
read_missing(const char *number, const json_t *o, struct va_shipment *s)
{
	strcpy(s->est_date, "2026-11-23");
	return VA_PARSE_NOT_FOUND;
}

int
main(void)
{
	struct va_carrier_req r;
	struct va_shipment s;

	memset(&r, 0, sizeof(r));
	ok(va_carrier_req_get(&r, "https://x", "/t/", "1Z 9/9", "?a=b") == 0,
	    "get");
	is_str(r.method, "GET", "get method");
	is_str(r.url, "https://x/t/1Z%209%2F9?a=b", "number escaped in place");
	va_carrier_req_free(&r);

	ok(va_carrier_req_post(&r, "https://x", "/tok", "text/plain") == -1,
	    "post without a body fails");
	va_carrier_req_free(&r);
	ok(va_carrier_req_json(&r, json_pack("{s:s}", "a", "b")) == 0 &&
	    va_carrier_req_post(&r, "https://x", "/tok", "application/json")
	    == 0, "post a JSON body");
	is_str(r.body, "{\"a\":\"b\"}", "compact JSON body");
	is_str(r.url, "https://x/tok", "post URL");
	is_str(r.hdr[0], "Content-Type: application/json", "content type");
	ok(r.hdr[1] == NULL, "one header");
	va_carrier_req_free(&r);
	ok(va_carrier_req_json(&r, NULL) == -1, "no JSON fails");

	is_int(va_carrier_parse_json("1", 404, "{}", &s, read_delivered),
	    VA_PARSE_NOT_FOUND, "404 is not found");
	is_int(va_carrier_parse_json("1", 200, "<html>", &s, read_delivered),
	    VA_PARSE_MALFORMED, "not JSON is malformed");
	is_int(va_carrier_parse_json("1", 200, "{}", &s, read_delivered),
	    VA_PARSE_FOUND, "the reader says");
	ok(s.est_date[0] == '\0' && s.est_from[0] == '\0',
	    "delivered has no estimate");
	is_int(va_carrier_parse_json("1", 200, "{}", &s, read_missing),
	    VA_PARSE_NOT_FOUND, "the reader says not found");

	memset(&s, 0, sizeof(s));
	va_carrier_window(&s, "2026-11-23T09:00:00", "2026-11-24T12:00:00");
	ok(s.est_date[0] == '\0', "two days are no window");
	va_carrier_window(&s, "2026-11-23T09:00:00", NULL);
	ok(s.est_date[0] == '\0', "half a window is none");
	va_carrier_window(&s, "2026-11-23T09:00:00", "2026-11-23T12:00:00");
	is_str(s.est_date, "2026-11-23", "window day");
	is_str(s.est_from, "09:00", "window from");
	is_str(s.est_to, "12:00", "window to");
	return tap_done();
}
