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
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "carrier.h"

static int
token_req(const struct va_carrier_conf *c, struct va_carrier_req *r)
{
	json_t *b;

	if (c->client_id == NULL || c->client_secret == NULL)
		return -1;
	b = json_pack("{s:s, s:s, s:s}", "client_id", c->client_id,
	    "client_secret", c->client_secret, "grant_type",
	    "client_credentials");
	if (b == NULL)
		return -1;
	r->body = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	r->method = "POST";
	if (r->body == NULL ||
	    va_carrier_req_url(r, "%s/oauth2/v3/token", c->url) == -1 ||
	    va_carrier_req_header(r, "Content-Type: application/json") == -1)
		return -1;
	return 0;
}

static int
track_req(const struct va_carrier_conf *c, const char *number,
    const char *token, const char *trans_id, struct va_carrier_req *r)
{
	char *esc;
	int rc;

	if ((esc = va_http_escape(number)) == NULL)
		return -1;
	r->method = "GET";
	rc = va_carrier_req_url(r, "%s/tracking/v3/tracking/%s?expand=DETAIL",
	    c->url, esc);
	free(esc);
	if (rc == -1 ||
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
parse(const char *number, long status, const char *body,
    struct va_shipment *s)
{
	json_t *o, *ev;
	const char *v, *cat;
	enum va_carrier_parse ret = VA_PARSE_MALFORMED;

	memset(s, 0, sizeof(*s));
	if (status == 404)
		return VA_PARSE_NOT_FOUND;
	if ((o = json_loads(body, 0, NULL)) == NULL)
		return VA_PARSE_MALFORMED;
	if ((cat = va_json_path_str(o, "statusCategory", NULL)) == NULL)
		goto out;
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
	if (s->status == VA_SHIP_DELIVERED)
		s->est_date[0] = '\0';
	ret = VA_PARSE_FOUND;
out:
	json_decref(o);
	return ret;
}

const struct va_carrier_api va_carrier_usps = {
	VA_CARRIER_USPS, "usps", 1, "https://apis.usps.com",
	token_req, track_req, parse
};
