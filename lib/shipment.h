/*
 * shipment.h - a parcel's whereabouts, normalised across carriers, and the
 * sentence that tells a caller.
 *
 * Carriers report statuses, places and times each their own way; the
 * adapters (carrier_*.c) fill a struct va_shipment and everything after
 * them (caches, results, replies) uses only this. Times are the carrier's
 * local times as written on the scan ("YYYY-MM-DDTHH:MM", no zone):
 * a caller wants to hear "this morning" as the place saw it.
 *
 * JSON form (the data of a track result, and the cache value):
 *   {"number","carrier","status","status_text","last_scan":{"city",
 *    "state","country","time"},"estimate":{"date","from","to"},
 *    "delivered_at","service"}
 * with absent values left out. Strings returned are new (free()).
 */
#ifndef VA_SHIPMENT_H
#define VA_SHIPMENT_H

#include <stdint.h>

#include <jansson.h>

enum va_ship_status { VA_SHIP_UNKNOWN, VA_SHIP_PRE_TRANSIT,
	VA_SHIP_IN_TRANSIT, VA_SHIP_OUT_FOR_DELIVERY, VA_SHIP_DELIVERED,
	VA_SHIP_EXCEPTION };

struct va_shipment {
	char	number[64];
	char	carrier[8];		/* "ups", "fedex", "usps", "dhl" */
	enum va_ship_status status;
	char	status_text[128];	/* the carrier's own words */
	char	city[64];		/* last scan */
	char	state[32];		/* as given: "KY" or "Kentucky" */
	char	country[8];
	char	scan_time[20];		/* "YYYY-MM-DDTHH:MM" local, or "" */
	char	est_date[11];		/* "YYYY-MM-DD", or "" */
	char	est_from[6];		/* "HH:MM" window, or "" */
	char	est_to[6];
	char	service[64];
};

/* "pre_transit", "in_transit", "out_for_delivery", "delivered",
 * "exception", "unknown". */
const char *va_shipment_status_name(enum va_ship_status);

/* New JSON object as documented above; NULL when out of memory. */
json_t	*va_shipment_json(const struct va_shipment *);
/* Fill s from such an object; 0, or -1 when it is not one. */
int	va_shipment_from_json(struct va_shipment *, const json_t *);

/*
 * The reply for a caller, relative to now_ms (the call's time, read in
 * the local zone, TZ): "It's in transit, last scanned in Louisville,
 * Kentucky this morning, and expected Friday between noon and four."
 * New string, or NULL when out of memory.
 */
char	*va_shipment_say(const struct va_shipment *, int64_t now_ms);

/*
 * Helpers for adapters: copy an ISO 8601 time ("2026-03-03T07:13:56-05:00",
 * "2026-03-03 07:13") or a date and time in the carriers' compact forms
 * ("20260303", "071356") into the "YYYY-MM-DDTHH:MM" / "YYYY-MM-DD" /
 * "HH:MM" fields. Each returns 0, or -1 (and leaves "") when unparseable.
 */
int	va_shipment_set_time(char out[20], const char *iso);
int	va_shipment_set_ymd(char out[11], const char *yyyymmdd_or_iso);
int	va_shipment_set_hm(char out[6], const char *hhmmss_or_iso);

#endif
