/*
 * carrier_dhl.c - DHL Shipment Tracking, Unified API (contracts README
 * section 7).
 *
 * GET {base}/track/shipments?trackingNumber=N with the header DHL-API-Key;
 * shipments[0].status.statusCode is pre-transit, transit, delivered,
 * failure or unknown. A 404 (RFC 7807 body) means no shipment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "carrier.h"

static int
track_req(const struct va_carrier_conf *c, const char *number,
    const char *token, const char *trans_id, struct va_carrier_req *r)
{
	char *esc;
	int rc;

	if (c->api_key == NULL || (esc = va_http_escape(number)) == NULL)
		return -1;
	r->method = "GET";
	rc = va_carrier_req_url(r, "%s/track/shipments?trackingNumber=%s",
	    c->url, esc);
	free(esc);
	if (rc == -1 ||
	    va_carrier_req_header(r, "DHL-API-Key: %s", c->api_key) == -1 ||
	    va_carrier_req_header(r, "Accept: application/json") == -1)
		return -1;
	return 0;
}

static enum va_carrier_parse
parse(const char *number, long status, const char *body,
    struct va_shipment *s)
{
	json_t *o, *sh, *st, *tf;
	const char *v, *code, *desc, *b, *e;
	enum va_carrier_parse ret = VA_PARSE_MALFORMED;

	memset(s, 0, sizeof(*s));
	if (status == 404)
		return VA_PARSE_NOT_FOUND;
	if ((o = json_loads(body, 0, NULL)) == NULL)
		return VA_PARSE_MALFORMED;
	sh = json_array_get(json_object_get(o, "shipments"), 0);
	st = json_object_get(sh, "status");
	if (json_is_array(json_object_get(o, "shipments")) &&
	    json_array_size(json_object_get(o, "shipments")) == 0) {
		ret = VA_PARSE_NOT_FOUND;
		goto out;
	}
	if (!json_is_object(st) ||
	    (code = va_json_path_str(st, "statusCode", NULL)) == NULL)
		goto out;
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
	if ((b = va_json_path_str(tf, "estimatedFrom", NULL)) != NULL &&
	    (e = va_json_path_str(tf, "estimatedThrough", NULL)) != NULL &&
	    strncmp(b, e, 10) == 0) {
		va_shipment_set_ymd(s->est_date, b);
		va_shipment_set_hm(s->est_from, b);
		va_shipment_set_hm(s->est_to, e);
	}
	if (s->status == VA_SHIP_DELIVERED)
		s->est_date[0] = s->est_from[0] = s->est_to[0] = '\0';
	ret = VA_PARSE_FOUND;
out:
	json_decref(o);
	return ret;
}

const struct va_carrier_api va_carrier_dhl = {
	VA_CARRIER_DHL, "dhl", 0, "https://api-eu.dhl.com",
	NULL, track_req, parse
};
