/*
 * carrier.c - what the carrier adapters share: the registry, OAuth token
 * responses, request building, the parse around each adapter's reader
 * (see carrier.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "carrier.h"

const struct va_carrier_api *
va_carrier_api(enum va_carrier c)
{
	switch (c) {
	case VA_CARRIER_UPS:
		return &va_carrier_ups;
	case VA_CARRIER_FEDEX:
		return &va_carrier_fedex;
	case VA_CARRIER_DHL:
		return &va_carrier_dhl;
	case VA_CARRIER_USPS:
		return &va_carrier_usps;
	default:
		return NULL;
	}
}

int
va_carrier_token_parse(const char *body, char **token, int64_t *expires_ms)
{
	json_t *o, *e;
	const char *t;
	long long secs = 3600;

	*token = NULL;
	if ((o = json_loads(body, 0, NULL)) == NULL)
		return -1;
	t = json_string_value(json_object_get(o, "access_token"));
	e = json_object_get(o, "expires_in");
	if (json_is_integer(e))
		secs = json_integer_value(e);
	else if (json_is_string(e))
		secs = strtoll(json_string_value(e), NULL, 10);
	if (t != NULL && t[0] != '\0')
		*token = strdup(t);
	json_decref(o);
	if (*token == NULL)
		return -1;
	*expires_ms = secs > 0 ? secs * 1000 : 0;
	return 0;
}

static char	*vstrf(const char *, va_list)
		    __attribute__((format(printf, 1, 0)));

/* A new string printed from fmt, or NULL. */
static char *
vstrf(const char *fmt, va_list ap)
{
	va_list aq;
	char *p;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || (p = malloc((size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

int
va_carrier_req_url(struct va_carrier_req *r, const char *fmt, ...)
{
	va_list ap;

	free(r->url);
	va_start(ap, fmt);
	r->url = vstrf(fmt, ap);
	va_end(ap);
	return r->url == NULL ? -1 : 0;
}

int
va_carrier_req_header(struct va_carrier_req *r, const char *fmt, ...)
{
	va_list ap;

	if (r->nhdr >= VA_CARRIER_MAXHDR)
		return -1;
	va_start(ap, fmt);
	r->hdr[r->nhdr] = vstrf(fmt, ap);
	va_end(ap);
	if (r->hdr[r->nhdr] == NULL)
		return -1;
	r->nhdr++;
	r->hdr[r->nhdr] = NULL;
	return 0;
}

void
va_carrier_req_free(struct va_carrier_req *r)
{
	int i;

	free(r->url);
	free(r->body);
	if (r->userpwd != NULL) {
		explicit_bzero(r->userpwd, strlen(r->userpwd));
		free(r->userpwd);
	}
	for (i = 0; i < r->nhdr; i++)
		free(r->hdr[i]);
	memset(r, 0, sizeof(*r));
}

int
va_carrier_req_get(struct va_carrier_req *r, const char *base,
    const char *before, const char *number, const char *after)
{
	char *esc;
	int rc;

	if ((esc = va_http_escape(number)) == NULL)
		return -1;
	r->method = "GET";
	rc = va_carrier_req_url(r, "%s%s%s%s", base, before, esc, after);
	free(esc);
	return rc;
}

int
va_carrier_req_post(struct va_carrier_req *r, const char *base,
    const char *path, const char *content_type)
{
	r->method = "POST";
	if (r->body == NULL ||
	    va_carrier_req_url(r, "%s%s", base, path) == -1 ||
	    va_carrier_req_header(r, "Content-Type: %s", content_type) == -1)
		return -1;
	return 0;
}

int
va_carrier_req_json(struct va_carrier_req *r, json_t *j)
{
	if (j == NULL)
		return -1;
	r->body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return r->body == NULL ? -1 : 0;
}

void
va_carrier_req_http(const struct va_carrier_req *r, struct va_http_req *out)
{
	memset(out, 0, sizeof(*out));
	out->method = r->method;
	out->url = r->url;
	out->headers = (const char *const *)r->hdr;
	out->body = r->body;
	out->body_len = r->body != NULL ? strlen(r->body) : 0;
	out->userpwd = r->userpwd;
}

enum va_carrier_parse
va_carrier_parse_json(const char *number, long status, const char *body,
    struct va_shipment *s, va_carrier_reader read)
{
	enum va_carrier_parse ret;
	json_t *o;

	memset(s, 0, sizeof(*s));
	if (status == 404)
		return VA_PARSE_NOT_FOUND;
	if ((o = json_loads(body, 0, NULL)) == NULL)
		return VA_PARSE_MALFORMED;
	ret = read(number, o, s);
	json_decref(o);
	if (ret == VA_PARSE_FOUND && s->status == VA_SHIP_DELIVERED)
		s->est_date[0] = s->est_from[0] = s->est_to[0] = '\0';
	return ret;
}

void
va_carrier_window(struct va_shipment *s, const char *from,
    const char *through)
{
	if (from == NULL || through == NULL || strncmp(from, through, 10) != 0)
		return;
	va_shipment_set_ymd(s->est_date, from);
	va_shipment_set_hm(s->est_from, from);
	va_shipment_set_hm(s->est_to, through);
}

const char *
va_json_path_str(const json_t *o, ...)
{
	va_list ap;
	const char *k;

	va_start(ap, o);
	while (o != NULL && (k = va_arg(ap, const char *)) != NULL)
		o = json_object_get(o, k);
	va_end(ap);
	return json_string_value(o);
}

int
va_carrier_has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}
