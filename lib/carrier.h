/*
 * carrier.h - the carriers' tracking APIs: what to send and how to read
 * the answer, one adapter per carrier (carrier_ups.c, carrier_fedex.c,
 * carrier_dhl.c, carrier_usps.c).
 *
 * Adapters do no input or output: they build requests (a token request for
 * the OAuth carriers, a tracking request) and parse response bodies into a
 * struct va_shipment, so the same adapter serves a blocking lookup, a
 * hundred concurrent ones and the unit tests. Sending, retrying, caching
 * and tokens are lib/track.c's.
 *
 * Ownership: a va_carrier_req owns its strings (va_carrier_req_free());
 * va_carrier_req_http() fills a va_http_req that borrows them.
 */
#ifndef VA_CARRIER_H
#define VA_CARRIER_H

#include <stdint.h>

#include "http.h"
#include "shipment.h"
#include "tracking.h"

struct va_carrier_conf {
	const char *url;		/* API base, e.g. https://onlinetools.ups.com */
	const char *client_id;		/* OAuth carriers (secrets) */
	const char *client_secret;
	const char *api_key;		/* DHL (a secret) */
	const char *source;		/* UPS transactionSrc */
};

#define VA_CARRIER_MAXHDR 8

struct va_carrier_req {
	const char *method;
	char	*url;
	char	*body;
	char	*userpwd;
	char	*hdr[VA_CARRIER_MAXHDR + 1];	/* NULL-terminated */
	int	nhdr;
};

enum va_carrier_parse {
	VA_PARSE_FOUND,		/* *out filled */
	VA_PARSE_NOT_FOUND,	/* the carrier does not know the number */
	VA_PARSE_MALFORMED	/* not the documented shape */
};

struct va_carrier_api {
	enum va_carrier carrier;
	const char *name;		/* "ups" */
	int	oauth;			/* needs a bearer token */
	const char *default_url;
	/* Build the token request; 0 or -1 (missing credentials, memory). */
	int	(*token_req)(const struct va_carrier_conf *,
		    struct va_carrier_req *);
	/* Build the tracking request; trans_id names it (UPS transId). */
	int	(*track_req)(const struct va_carrier_conf *, const char *number,
		    const char *token, const char *trans_id,
		    struct va_carrier_req *);
	/* Read a response with an HTTP status of 2xx or 404. */
	enum va_carrier_parse (*parse)(const char *number, long status,
		    const char *body, struct va_shipment *out);
};

extern const struct va_carrier_api va_carrier_ups, va_carrier_fedex,
	va_carrier_dhl, va_carrier_usps;

/* The adapter of a carrier, or NULL. */
const struct va_carrier_api *va_carrier_api(enum va_carrier);

/*
 * Read an OAuth token response: {"access_token":"...","expires_in":N or
 * "N"} (seconds). 0 and *token (new) and *expires_ms set, or -1.
 */
int	va_carrier_token_parse(const char *body, char **token,
	    int64_t *expires_ms);

/* Helpers for adapters: printf into req->url / body, add a header. */
int	va_carrier_req_url(struct va_carrier_req *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	va_carrier_req_header(struct va_carrier_req *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	va_carrier_req_free(struct va_carrier_req *);
/*
 * Make r a GET of base, then before, then number percent-encoded, then
 * after ("" for nothing). 0 or -1 (memory).
 */
int	va_carrier_req_get(struct va_carrier_req *, const char *base,
	    const char *before, const char *number, const char *after);
/*
 * Make r a POST of its body (already set; NULL, from a failed
 * allocation, fails) to base then path, with a Content-Type header of
 * content_type. 0 or -1.
 */
int	va_carrier_req_post(struct va_carrier_req *, const char *base,
	    const char *path, const char *content_type);
/* Set r's body to j (taken; NULL fails) as compact JSON. 0 or -1. */
int	va_carrier_req_json(struct va_carrier_req *, json_t *j);
/* A va_http_req borrowing req's strings; timeouts left 0. */
void	va_carrier_req_http(const struct va_carrier_req *,
	    struct va_http_req *out);

/* How an adapter reads a response body that parsed as JSON (o). */
typedef enum va_carrier_parse (*va_carrier_reader)(const char *number,
	    const json_t *o, struct va_shipment *out);
/*
 * The parse every adapter does around its reader: *out cleared; a 404 is
 * not found, a body that is not JSON malformed, anything else what read
 * says; a delivered shipment that was found has no estimate left.
 */
enum va_carrier_parse va_carrier_parse_json(const char *number, long status,
	    const char *body, struct va_shipment *out, va_carrier_reader read);
/*
 * Define fn, an adapter's parse (its api's parse member), as
 * va_carrier_parse_json() around the adapter's reader.
 */
#define VA_CARRIER_PARSER(fn, reader)					\
static enum va_carrier_parse						\
fn(const char *number, long status, const char *body,			\
    struct va_shipment *out)						\
{									\
	return va_carrier_parse_json(number, status, body, out, reader); \
}
/*
 * When from and through (ISO times; either may be NULL) fall on one day,
 * that day becomes out's estimate and they its window.
 */
void	va_carrier_window(struct va_shipment *out, const char *from,
	    const char *through);

/* 1 when hay holds needle, ignoring case. */
int	va_carrier_has(const char *hay, const char *needle);
/* The string at a path of object keys (NULL-terminated), or NULL. */
const char *va_json_path_str(const json_t *, ...);

#endif
