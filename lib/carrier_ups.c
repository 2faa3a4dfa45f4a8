/*
 * carrier_ups.c - UPS Tracking API v1 (contracts README section 5).
 *
 * Token: POST {base}/security/v1/oauth/token with Basic client_id:secret
 * and grant_type=client_credentials (expires_in arrives as a string).
 * Track: GET {base}/api/track/v1/details/{number}, Bearer token, headers
 * transId (unique per request) and transactionSrc. trackResponse.shipment[0]
 * .package[0] holds currentStatus, deliveryDate[], deliveryTime and
 * activity[] (most recent first); a 404 means the number is unknown.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "carrier.h"

static int
token_req(const struct va_carrier_conf *c, struct va_carrier_req *r)
{
	size_t n;

	if (c->client_id == NULL || c->client_secret == NULL)
		return -1;
	r->method = "POST";
	n = strlen(c->client_id) + strlen(c->client_secret) + 2;
	if ((r->userpwd = malloc(n)) == NULL)
		return -1;
	snprintf(r->userpwd, n, "%s:%s", c->client_id, c->client_secret);
	r->body = strdup("grant_type=client_credentials");
	return va_carrier_req_post(r, c->url, "/security/v1/oauth/token",
	    "application/x-www-form-urlencoded");
}

static int
track_req(const struct va_carrier_conf *c, const char *number,
    const char *token, const char *trans_id, struct va_carrier_req *r)
{
	if (va_carrier_req_get(r, c->url, "/api/track/v1/details/", number,
	    "?locale=en_US&returnSignature=false&returnMilestones=false"
	    "&returnPOD=false") == -1 ||
	    va_carrier_req_header(r, "Authorization: Bearer %s", token) == -1 ||
	    va_carrier_req_header(r, "transId: %s", trans_id) == -1 ||
	    va_carrier_req_header(r, "transactionSrc: %s",
	    c->source != NULL ? c->source : "va") == -1 ||
	    va_carrier_req_header(r, "Accept: application/json") == -1)
		return -1;
	return 0;
}

static enum va_ship_status
status_of(const json_t *cur)
{
	const char *type = va_json_path_str(cur, "type", NULL);
	const char *desc = va_json_path_str(cur, "description", NULL);

	if (desc != NULL && va_carrier_has(desc, "out for delivery"))
		return VA_SHIP_OUT_FOR_DELIVERY;
	if (type == NULL)
		return VA_SHIP_UNKNOWN;
	switch (type[0]) {
	case 'M':
		return VA_SHIP_PRE_TRANSIT;
	case 'P':
	case 'I':
		return VA_SHIP_IN_TRANSIT;
	case 'O':
		return VA_SHIP_OUT_FOR_DELIVERY;
	case 'D':
		return VA_SHIP_DELIVERED;
	case 'X':
	case 'R':
		return VA_SHIP_EXCEPTION;
	default:
		return VA_SHIP_UNKNOWN;
	}
}

static enum va_carrier_parse
read_package(const char *number, const json_t *o, struct va_shipment *s)
{
	json_t *pkg, *act, *dd, *dt;
	const char *v, *d, *t;
	size_t i;

	pkg = json_array_get(json_object_get(json_array_get(json_object_get(
	    json_object_get(o, "trackResponse"), "shipment"), 0), "package"), 0);
	if (!json_is_object(pkg)) {
		/* A shipment with warnings and no package: nothing known. */
		if (json_is_array(json_object_get(json_array_get(
		    json_object_get(json_object_get(o, "trackResponse"),
		    "shipment"), 0), "warnings")))
			return VA_PARSE_NOT_FOUND;
		return VA_PARSE_MALFORMED;
	}
	snprintf(s->number, sizeof(s->number), "%s",
	    (v = va_json_path_str(pkg, "trackingNumber", NULL)) ? v : number);
	snprintf(s->carrier, sizeof(s->carrier), "ups");
	s->status = status_of(json_object_get(pkg, "currentStatus"));
	if ((v = va_json_path_str(pkg, "currentStatus", "description",
	    NULL)) != NULL)
		snprintf(s->status_text, sizeof(s->status_text), "%s", v);
	if ((v = va_json_path_str(pkg, "service", "description", NULL)))
		snprintf(s->service, sizeof(s->service), "%s", v);
	act = json_array_get(json_object_get(pkg, "activity"), 0);
	if (act != NULL) {
		json_t *a = json_object_get(json_object_get(act, "location"),
		    "address");

		if ((v = va_json_path_str(a, "city", NULL)))
			snprintf(s->city, sizeof(s->city), "%s", v);
		if ((v = va_json_path_str(a, "stateProvince", NULL)))
			snprintf(s->state, sizeof(s->state), "%s", v);
		if ((v = va_json_path_str(a, "countryCode", NULL)))
			snprintf(s->country, sizeof(s->country), "%s", v);
		d = va_json_path_str(act, "date", NULL);
		t = va_json_path_str(act, "time", NULL);
		if (d != NULL && va_shipment_set_ymd(s->est_date, d) == 0) {
			char hm[6] = "00:00";

			if (t != NULL)
				va_shipment_set_hm(hm, t);
			snprintf(s->scan_time, sizeof(s->scan_time), "%sT%s",
			    s->est_date, hm[0] ? hm : "00:00");
		}
		s->est_date[0] = '\0';
	}
	dd = json_object_get(pkg, "deliveryDate");
	for (i = 0; i < json_array_size(dd); i++) {
		v = va_json_path_str(json_array_get(dd, i), "type", NULL);
		d = va_json_path_str(json_array_get(dd, i), "date", NULL);
		if (v != NULL && d != NULL && strcmp(v, "DEL") != 0)
			va_shipment_set_ymd(s->est_date, d);
	}
	dt = json_object_get(pkg, "deliveryTime");
	v = va_json_path_str(dt, "type", NULL);
	if (s->est_date[0] && v != NULL && strcmp(v, "DEL") != 0 &&
	    (d = va_json_path_str(dt, "startTime", NULL)) != NULL &&
	    (t = va_json_path_str(dt, "endTime", NULL)) != NULL &&
	    va_shipment_set_hm(s->est_from, d) == 0 &&
	    va_shipment_set_hm(s->est_to, t) == 0 &&
	    strcmp(s->est_from, "00:00") == 0) {
		/* A commitment time only ("by 16:00") is no window. */
		s->est_from[0] = s->est_to[0] = '\0';
	}
	return VA_PARSE_FOUND;
}

VA_CARRIER_PARSER(parse, read_package)

const struct va_carrier_api va_carrier_ups = {
	VA_CARRIER_UPS, "ups", 1, "https://onlinetools.ups.com",
	token_req, track_req, parse
};
