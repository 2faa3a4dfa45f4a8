/*
 * carrier_dhl.c - DHL Shipment Tracking, Unified API (contracts README
 * section 7).
 *
 * GET {base}/track/shipments?trackingNumber=N with the header DHL-API-Key;
 * shipments[0].status.statusCode is pre-transit, transit, delivered,
 * failure or unknown. A 404 (RFC 7807 body) means no shipment.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "carrier.h"

static int
track_req(const struct va_carrier_conf *c, const char *number,
    const char *token, const char *trans_id, struct va_carrier_req *r)
{
	if (c->api_key == NULL ||
	    va_carrier_req_get(r, c->url, "/track/shipments?trackingNumber=",
	    number, "") == -1 ||
	    va_carrier_req_header(r, "DHL-API-Key: %s", c->api_key) == -1 ||
	    va_carrier_req_header(r, "Accept: application/json") == -1)
		return -1;
	return 0;
}

static enum va_carrier_parse
read_shipment(const char *number, const json_t *o, struct va_shipment *s)
{
	json_t *sh, *st, *tf;
	const char *v, *code, *desc;

	sh = json_array_get(json_object_get(o, "shipments"), 0);
	st = json_object_get(sh, "status");
	if (json_is_array(json_object_get(o, "shipments")) &&
	    json_array_size(json_object_get(o, "shipments")) == 0)
		return VA_PARSE_NOT_FOUND;
	if (!json_is_object(st) ||
	    (code = va_json_path_str(st, "statusCode", NULL)) == NULL)
		return VA_PARSE_MALFORMED;
	snprintf(s->number, sizeof(s->number), "%s",
	    (v = va_json_path_str(sh, "id", NULL)) ? v : number);
	snprintf(s->carrier, sizeof(s->carrier), "dhl");
	desc = va_json_path_str(st, "description", NULL);
	if (desc == NULL)
		desc = va_json_path_str(st, "status", NULL);
	if (desc != NULL)
		snprintf(s->status_text, sizeof(s->status_text), "%s", desc);
	if (strcmp(code, "pre-transit") == 0)
		s->status = VA_SHIP_PRE_TRANSIT;
	else if (strcmp(code, "transit") == 0)
		s->status = desc != NULL &&
		    va_carrier_has(desc, "out for delivery") ?
		    VA_SHIP_OUT_FOR_DELIVERY : VA_SHIP_IN_TRANSIT;
	else if (strcmp(code, "delivered") == 0)
		s->status = VA_SHIP_DELIVERED;
	else if (strcmp(code, "failure") == 0)
		s->status = VA_SHIP_EXCEPTION;
	else
		s->status = VA_SHIP_UNKNOWN;
	/* DHL gives one locality string, "Louisville, KY, US". */
	if ((v = va_json_path_str(st, "location", "address", "addressLocality",
	    NULL)))
		snprintf(s->city, sizeof(s->city), "%s", v);
	if ((v = va_json_path_str(st, "timestamp", NULL)))
		va_shipment_set_time(s->scan_time, v);
	if ((v = va_json_path_str(sh, "details", "product", "productName",
	    NULL)))
		snprintf(s->service, sizeof(s->service), "%s", v);
	if ((v = va_json_path_str(sh, "estimatedTimeOfDelivery", NULL)))
		va_shipment_set_ymd(s->est_date, v);
	tf = json_object_get(sh, "estimatedDeliveryTimeFrame");
	va_carrier_window(s, va_json_path_str(tf, "estimatedFrom", NULL),
	    va_json_path_str(tf, "estimatedThrough", NULL));
	return VA_PARSE_FOUND;
}

VA_CARRIER_PARSER(parse, read_shipment)

const struct va_carrier_api va_carrier_dhl = {
	VA_CARRIER_DHL, "dhl", 0, "https://api-eu.dhl.com",
	NULL, track_req, parse
};
