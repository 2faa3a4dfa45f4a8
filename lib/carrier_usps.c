/*
 * carrier_usps.c - USPS Tracking API v3 (contracts README section 8).
 *
 * Token: POST {base}/oauth2/v3/token with a JSON body {"client_id",
 * "client_secret","grant_type":"client_credentials"}. Track: GET
 * {base}/tracking/v3/tracking/{number}?expand=DETAIL with a Bearer token;
 * statusCategory says where the parcel is and trackingEvents[] (most
 * recent first) where it was scanned.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "carrier.h"

static int
token_req(const struct va_carrier_conf *c, struct va_carrier_req *r)
{
	if (c->client_id == NULL || c->client_secret == NULL ||
	    va_carrier_req_json(r, json_pack("{s:s, s:s, s:s}", "client_id",
	    c->client_id, "client_secret", c->client_secret, "grant_type",
	    "client_credentials")) == -1)
		return -1;
	return va_carrier_req_post(r, c->url, "/oauth2/v3/token",
	    "application/json");
}

static int
track_req(const struct va_carrier_conf *c, const char *number,
    const char *token, const char *trans_id, struct va_carrier_req *r)
{
	if (va_carrier_req_get(r, c->url, "/tracking/v3/tracking/", number,
	    "?expand=DETAIL") == -1 ||
	    va_carrier_req_header(r, "Authorization: Bearer %s", token) == -1 ||
	    va_carrier_req_header(r, "Accept: application/json") == -1)
		return -1;
	return 0;
}

static enum va_ship_status
status_of(const char *cat)
{
	if (cat == NULL)
		return VA_SHIP_UNKNOWN;
	if (strcasecmp(cat, "Delivered") == 0)
		return VA_SHIP_DELIVERED;
	if (strcasecmp(cat, "Out for Delivery") == 0)
		return VA_SHIP_OUT_FOR_DELIVERY;
	if (strcasecmp(cat, "Pre-Shipment") == 0 ||
	    strcasecmp(cat, "Label Created") == 0 ||
	    strcasecmp(cat, "Pre-Transit") == 0)
		return VA_SHIP_PRE_TRANSIT;
	if (strcasecmp(cat, "Alert") == 0 ||
	    strcasecmp(cat, "Delivery Attempt") == 0 ||
	    strcasecmp(cat, "Return to Sender") == 0)
		return VA_SHIP_EXCEPTION;
	return VA_SHIP_IN_TRANSIT;
}

static enum va_carrier_parse
read_tracking(const char *number, const json_t *o, struct va_shipment *s)
{
	json_t *ev;
	const char *v, *cat;

	if ((cat = va_json_path_str(o, "statusCategory", NULL)) == NULL)
		return VA_PARSE_MALFORMED;
	snprintf(s->number, sizeof(s->number), "%s",
	    (v = va_json_path_str(o, "trackingNumber", NULL)) ? v : number);
	snprintf(s->carrier, sizeof(s->carrier), "usps");
	s->status = status_of(cat);
	if ((v = va_json_path_str(o, "status", NULL)))
		snprintf(s->status_text, sizeof(s->status_text), "%s", v);
	if ((v = va_json_path_str(o, "mailClass", NULL)))
		snprintf(s->service, sizeof(s->service), "%s", v);
	ev = json_array_get(json_object_get(o, "trackingEvents"), 0);
	if ((v = va_json_path_str(ev, "eventCity", NULL)))
		snprintf(s->city, sizeof(s->city), "%s", v);
	if ((v = va_json_path_str(ev, "eventState", NULL)))
		snprintf(s->state, sizeof(s->state), "%s", v);
	if ((v = va_json_path_str(ev, "eventCountry", NULL)) && v[0])
		snprintf(s->country, sizeof(s->country), "%s", v);
	if ((v = va_json_path_str(ev, "eventTimestamp", NULL)))
		va_shipment_set_time(s->scan_time, v);
	if ((v = va_json_path_str(o, "expectedDeliveryDate", NULL)))
		va_shipment_set_ymd(s->est_date, v);
	return VA_PARSE_FOUND;
}

VA_CARRIER_PARSER(parse, read_tracking)

const struct va_carrier_api va_carrier_usps = {
	VA_CARRIER_USPS, "usps", 1, "https://apis.usps.com",
	token_req, track_req, parse
};
