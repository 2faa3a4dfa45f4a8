/*
 * carrier_fedex.c - FedEx Track API v1 (contracts README section 6).
 *
 * Token: POST {base}/oauth/token, form body grant_type=client_credentials
 * with client_id and client_secret in the body (not Basic). Track: POST
 * {base}/track/v1/trackingnumbers with a JSON body. A number FedEx does not
 * know comes back as HTTP 200 with trackResults[0].error (code
 * TRACKING.TRACKINGNUMBER.NOTFOUND or .INVALID).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "carrier.h"

static int
token_req(const struct va_carrier_conf *c, struct va_carrier_req *r)
{
	char *id, *sec;
	size_t n;

	if (c->client_id == NULL || c->client_secret == NULL)
		return -1;
	id = va_http_escape(c->client_id);
	sec = va_http_escape(c->client_secret);
	if (id == NULL || sec == NULL) {
		free(id);
		free(sec);
		return -1;
	}
	n = strlen(id) + strlen(sec) + 64;
	if ((r->body = malloc(n)) != NULL)
		snprintf(r->body, n, "grant_type=client_credentials&client_id=%s"
		    "&client_secret=%s", id, sec);
	explicit_bzero(sec, strlen(sec));
	free(id);
	free(sec);
	return va_carrier_req_post(r, c->url, "/oauth/token",
	    "application/x-www-form-urlencoded");
}

static int
track_req(const struct va_carrier_conf *c, const char *number,
    const char *token, const char *trans_id, struct va_carrier_req *r)
{
	r->method = "POST";
	if (va_carrier_req_json(r, json_pack("{s:b, s:[{s:{s:s}}]}",
	    "includeDetailedScans", 1, "trackingInfo", "trackingNumberInfo",
	    "trackingNumber", number)) == -1 ||
	    va_carrier_req_url(r, "%s/track/v1/trackingnumbers", c->url) == -1 ||
	    va_carrier_req_header(r, "Authorization: Bearer %s", token) == -1 ||
	    va_carrier_req_header(r, "Content-Type: application/json") == -1 ||
	    va_carrier_req_header(r, "X-locale: en_US") == -1 ||
	    va_carrier_req_header(r, "x-customer-transaction-id: %s",
	    trans_id) == -1)
		return -1;
	return 0;
}

static enum va_ship_status
status_of(const char *code)
{
	static const struct {
		const char *code;
		enum va_ship_status st;
	} map[] = {
		{ "OC", VA_SHIP_PRE_TRANSIT }, { "IN", VA_SHIP_PRE_TRANSIT },
		{ "PU", VA_SHIP_IN_TRANSIT }, { "IT", VA_SHIP_IN_TRANSIT },
		{ "AR", VA_SHIP_IN_TRANSIT }, { "DP", VA_SHIP_IN_TRANSIT },
		{ "AF", VA_SHIP_IN_TRANSIT }, { "OD", VA_SHIP_OUT_FOR_DELIVERY },
		{ "DL", VA_SHIP_DELIVERED }, { "DE", VA_SHIP_EXCEPTION },
		{ "SE", VA_SHIP_EXCEPTION }, { "CA", VA_SHIP_EXCEPTION },
		{ "RS", VA_SHIP_EXCEPTION }, { "DY", VA_SHIP_EXCEPTION },
	};
	size_t i;

	if (code == NULL)
		return VA_SHIP_UNKNOWN;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(code, map[i].code) == 0)
			return map[i].st;
	return VA_SHIP_IN_TRANSIT;
}

static enum va_carrier_parse
read_result(const char *number, const json_t *o, struct va_shipment *s)
{
	json_t *tr, *lsd, *loc, *ev, *w, *dts;
	const char *v, *code;
	size_t i;

	tr = json_array_get(json_object_get(json_array_get(json_object_get(
	    json_object_get(o, "output"), "completeTrackResults"), 0),
	    "trackResults"), 0);
	if (!json_is_object(tr))
		return VA_PARSE_MALFORMED;
	if ((code = va_json_path_str(tr, "error", "code", NULL)) != NULL) {
		/* The 200-with-error answer. */
		if (strstr(code, "NOTFOUND") != NULL ||
		    strstr(code, "INVALID") != NULL)
			return VA_PARSE_NOT_FOUND;
		return VA_PARSE_MALFORMED;
	}
	snprintf(s->number, sizeof(s->number), "%s", (v = va_json_path_str(tr,
	    "trackingNumberInfo", "trackingNumber", NULL)) ? v : number);
	snprintf(s->carrier, sizeof(s->carrier), "fedex");
	lsd = json_object_get(tr, "latestStatusDetail");
	if (!json_is_object(lsd))
		return VA_PARSE_MALFORMED;
	code = va_json_path_str(lsd, "derivedCode", NULL);
	if (code == NULL)
		code = va_json_path_str(lsd, "code", NULL);
	s->status = status_of(code);
	if ((v = va_json_path_str(lsd, "description", NULL)))
		snprintf(s->status_text, sizeof(s->status_text), "%s", v);
	if ((v = va_json_path_str(tr, "serviceDetail", "description", NULL)))
		snprintf(s->service, sizeof(s->service), "%s", v);
	ev = json_array_get(json_object_get(tr, "scanEvents"), 0);
	loc = json_object_get(lsd, "scanLocation");
	if (loc == NULL)
		loc = json_object_get(ev, "scanLocation");
	if ((v = va_json_path_str(loc, "city", NULL)))
		snprintf(s->city, sizeof(s->city), "%s", v);
	if ((v = va_json_path_str(loc, "stateOrProvinceCode", NULL)))
		snprintf(s->state, sizeof(s->state), "%s", v);
	if ((v = va_json_path_str(loc, "countryCode", NULL)))
		snprintf(s->country, sizeof(s->country), "%s", v);
	if ((v = va_json_path_str(ev, "date", NULL)))
		va_shipment_set_time(s->scan_time, v);
	dts = json_object_get(tr, "dateAndTimes");
	for (i = 0; i < json_array_size(dts); i++) {
		const char *type = va_json_path_str(json_array_get(dts, i),
		    "type", NULL);
		const char *when = va_json_path_str(json_array_get(dts, i),
		    "dateTime", NULL);

		if (type == NULL || when == NULL)
			continue;
		if (strcmp(type, "ESTIMATED_DELIVERY") == 0 ||
		    strcmp(type, "COMMITMENT") == 0 ||
		    strcmp(type, "APPOINTMENT_DELIVERY") == 0) {
			if (s->est_date[0] == '\0')
				va_shipment_set_ymd(s->est_date, when);
		} else if (strcmp(type, "ACTUAL_DELIVERY") == 0)
			va_shipment_set_time(s->scan_time, when);
	}
	w = json_object_get(json_object_get(tr, "estimatedDeliveryTimeWindow"),
	    "window");
	va_carrier_window(s, va_json_path_str(w, "begins", NULL),
	    va_json_path_str(w, "ends", NULL));
	return VA_PARSE_FOUND;
}

VA_CARRIER_PARSER(parse, read_result)

const struct va_carrier_api va_carrier_fedex = {
	VA_CARRIER_FEDEX, "fedex", 1, "https://apis.fedex.com",
	token_req, track_req, parse
};
