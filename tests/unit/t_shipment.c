/*
 * t_shipment.c - unit tests for lib/shipment.c (the reply a caller hears,
 * time parsing, JSON both ways) and the carrier adapters' parsers and
 * token reader (lib/carrier*.c).
 */
#include <stdlib.h>
#include <string.h>

#include "carrier.h"
#include "shipment.h"
#include "tap.h"

/* 2023-11-14 22:13:20 UTC, a Tuesday. */
#define NOW 1700000000000LL

static void
say_is(const struct va_shipment *s, const char *want, const char *name)
{
	char *got = va_shipment_say(s, NOW);

	is_str(got, want, "%s", name);
	free(got);
}

static void
says(void)
{
	struct va_shipment s;

	memset(&s, 0, sizeof(s));
	strcpy(s.carrier, "ups");
	s.status = VA_SHIP_IN_TRANSIT;
	strcpy(s.city, "LOUISVILLE");
	strcpy(s.state, "KY");
	strcpy(s.country, "US");
	strcpy(s.scan_time, "2023-11-14T07:13");
	strcpy(s.est_date, "2023-11-17");
	strcpy(s.est_from, "12:00");
	strcpy(s.est_to, "16:00");
	say_is(&s, "It's in transit, last scanned in Louisville, Kentucky "
	    "this morning, and expected Friday between noon and four.",
	    "the issue's sentence");
	strcpy(s.est_from, "09:00");
	strcpy(s.est_to, "11:30");
	strcpy(s.scan_time, "2023-11-13T19:00");
	say_is(&s, "It's in transit, last scanned in Louisville, Kentucky "
	    "yesterday evening, and expected Friday between nine and 11:30 "
	    "in the morning.", "morning window, yesterday evening");
	strcpy(s.est_from, "10:00");
	strcpy(s.est_to, "14:00");
	strcpy(s.est_date, "2023-11-15");
	say_is(&s, "It's in transit, last scanned in Louisville, Kentucky "
	    "yesterday evening, and expected tomorrow between ten a.m. and "
	    "two p.m.", "window across noon, tomorrow");
	s.est_from[0] = s.est_to[0] = '\0';
	strcpy(s.est_date, "2023-12-01");
	strcpy(s.scan_time, "2023-11-01T10:00");
	say_is(&s, "It's in transit, last scanned in Louisville, Kentucky "
	    "on November 1, and expected on December 1.", "dates far away");
	s.status = VA_SHIP_DELIVERED;
	strcpy(s.scan_time, "2023-11-12T14:00");
	say_is(&s, "It was delivered on Sunday in Louisville, Kentucky.",
	    "delivered this week");
	s.status = VA_SHIP_PRE_TRANSIT;
	s.city[0] = s.state[0] = '\0';
	s.est_date[0] = '\0';
	say_is(&s, "The label has been created, but UPS hasn't received the "
	    "parcel yet.", "pre-transit");
	s.status = VA_SHIP_OUT_FOR_DELIVERY;
	say_is(&s, "It's out for delivery today.", "out for delivery");
	strcpy(s.carrier, "usps");
	s.status = VA_SHIP_EXCEPTION;
	say_is(&s, "The Postal Service reports a problem with this delivery.",
	    "exception");
}

static void
times(void)
{
	char t[20], d[11], hm[6];

	ok(va_shipment_set_time(t, "2026-03-03T07:13:56-05:00") == 0 &&
	    strcmp(t, "2026-03-03T07:13") == 0, "ISO time with zone");
	ok(va_shipment_set_ymd(d, "20260305") == 0 &&
	    strcmp(d, "2026-03-05") == 0, "compact date");
	ok(va_shipment_set_hm(hm, "071356") == 0 && strcmp(hm, "07:13") == 0,
	    "compact time");
	ok(va_shipment_set_hm(hm, "2026-03-05T16:00:00+01:00") == 0 &&
	    strcmp(hm, "16:00") == 0, "time of an ISO stamp");
	ok(va_shipment_set_ymd(d, "soon") == -1 && d[0] == '\0',
	    "not a date");
}

static void
json_round_trip(void)
{
	struct va_shipment a, b;
	json_t *o;

	memset(&a, 0, sizeof(a));
	strcpy(a.number, "1Z5R89390357567127");
	strcpy(a.carrier, "ups");
	a.status = VA_SHIP_OUT_FOR_DELIVERY;
	strcpy(a.city, "Denver");
	strcpy(a.est_date, "2023-11-14");
	strcpy(a.est_from, "13:00");
	o = va_shipment_json(&a);
	ok(o != NULL && va_shipment_from_json(&b, o) == 0 &&
	    memcmp(&a, &b, sizeof(a)) == 0, "JSON round trip");
	json_decref(o);
	o = json_pack("{s:s}", "number", "x");
	ok(va_shipment_from_json(&b, o) == -1, "no status: not a shipment");
	json_decref(o);
}

static void
adapters(void)
{
	struct va_shipment s;
	char *tok = NULL;
	int64_t exp = 0;

	is_int(va_carrier_fedex.parse("1", 200, "{\"output\":{"
	    "\"completeTrackResults\":[{\"trackResults\":[{\"error\":"
	    "{\"code\":\"TRACKING.TRACKINGNUMBER.NOTFOUND\"}}]}]}}", &s),
	    VA_PARSE_NOT_FOUND, "FedEx 200 with an error is not found");
	is_int(va_carrier_ups.parse("1", 200, "<html>", &s),
	    VA_PARSE_MALFORMED, "UPS HTML body is malformed");
	is_int(va_carrier_ups.parse("1", 404, "{}", &s), VA_PARSE_NOT_FOUND,
	    "UPS 404 is not found");
	is_int(va_carrier_dhl.parse("1", 200, "{\"shipments\":[{\"id\":\"1\","
	    "\"status\":{\"statusCode\":\"transit\",\"description\":"
	    "\"Out for delivery\"}}]}", &s), VA_PARSE_FOUND, "DHL found");
	is_int(s.status, VA_SHIP_OUT_FOR_DELIVERY, "DHL out for delivery");
	is_int(va_carrier_usps.parse("1", 200, "{\"statusCategory\":"
	    "\"Delivered\",\"trackingEvents\":[{\"eventCity\":\"BOISE\","
	    "\"eventState\":\"ID\",\"eventTimestamp\":\"2023-11-12T16:45:00\"}]}",
	    &s), VA_PARSE_FOUND, "USPS found");
	ok(s.status == VA_SHIP_DELIVERED && strcmp(s.scan_time,
	    "2023-11-12T16:45") == 0, "USPS delivered, scan time");
	ok(va_carrier_token_parse("{\"access_token\":\"a\",\"expires_in\":"
	    "\"14399\"}", &tok, &exp) == 0 && strcmp(tok, "a") == 0 &&
	    exp == 14399000, "UPS token, expiry as a string");
	free(tok);
	ok(va_carrier_token_parse("{\"access_token\":\"b\",\"expires_in\":"
	    "3600}", &tok, &exp) == 0 && exp == 3600000,
	    "FedEx token, expiry as a number");
	free(tok);
	ok(va_carrier_token_parse("{\"error\":\"x\"}", &tok, &exp) == -1 &&
	    tok == NULL, "no token");
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	says();
	times();
	json_round_trip();
	adapters();
	return tap_done();
}
