/*
 * tracking.c - carrier tracking numbers: which carrier, and is the check
 * digit right.
 *
 * One matcher per service of jkeen/tracking_number_data. The regular
 * expressions there are anchored over the whole number here, after spaces
 * and dashes are dropped, so each reduces to lengths, fixed prefixes and
 * digit classes; a matcher checks those and then the check digit over the
 * service's serial number with the service's algorithm.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tracking.h"

struct svc {
	enum va_carrier carrier;
	const char *name;
	int	has_check;
	/* 1 when n (length len) has the service's shape; *valid: check holds */
	int	(*match)(const char *n, size_t len, int *valid);
};

static int
alldigits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
allalnum(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * The "mod10" rule: letters count as (code - 3) % 10; characters at odd
 * (even) positions, counted from the end when reverse is set, are
 * multiplied by odds (evens); the check is what tops the sum up to a
 * multiple of ten. prefix is counted before s without moving positions
 * (USPS legacy numbers are checked as if they began with 91).
 */
static int
mod10(const char *prefix, const char *s, size_t n, int evens, int odds,
    int reverse, char check)
{
	char buf[80];
	size_t i, m, plen;
	int total = 0, x;

	plen = prefix != NULL ? strlen(prefix) : 0;
	if (plen + n >= sizeof(buf))
		return 0;
	if (plen > 0)
		memcpy(buf, prefix, plen);
	memcpy(buf + plen, s, n);
	m = plen + n;
	for (i = 0; i < m; i++) {
		unsigned char c = buf[reverse ? m - 1 - i : i];

		x = isdigit(c) ? c - '0' : (c - 3) % 10;
		if (i % 2 == 1)
			x *= odds;
		else
			x *= evens;
		total += x;
	}
	total %= 10;
	if (total != 0)
		total = 10 - total;
	return total == check - '0';
}

/* Sum of digit times weight, modulo m1 then m2. */
static int
weighted(const char *s, size_t n, const int *w, int m1, int m2, char check)
{
	size_t i;
	int total = 0;

	for (i = 0; i < n; i++)
		total += (s[i] - '0') * w[i];
	return total % m1 % m2 == check - '0';
}

static const int w317[] = { 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1 };
static const int w173[] = { 1, 7, 3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1 };

static int
ups(const char *n, size_t len, int *valid)
{
	if (len != 18 || n[0] != '1' || n[1] != 'Z' || !allalnum(n + 2, 15) ||
	    !isdigit((unsigned char)n[17]))
		return 0;
	*valid = mod10(NULL, n + 2, 15, 1, 2, 0, n[17]);
	return 1;
}

static int
ups_waybill(const char *n, size_t len, int *valid)
{
	if (len != 11 || strchr("AHJKTV", n[0]) == NULL ||
	    !alldigits(n + 1, 10))
		return 0;
	*valid = mod10(NULL, n + 1, 9, 1, 2, 0, n[10]);
	return 1;
}

static int
fedex_12(const char *n, size_t len, int *valid)
{
	if (len != 12 || !alldigits(n, len))
		return 0;
	*valid = weighted(n, 11, w317, 11, 10, n[11]);
	return 1;
}

static int
fedex_34(const char *n, size_t len, int *valid)
{
	if (len != 34 || !alldigits(n, len) || n[0] == '9')
		return 0;
	*valid = weighted(n + 20, 13, w173, 11, 10, n[33]);
	return 1;
}

static int
fedex_astra(const char *n, size_t len, int *valid)
{
	if (len != 32 || !alldigits(n, len) || n[0] != '3')
		return 0;
	*valid = weighted(n + 16, 11, w317, 11, 10, n[27]);
	return 1;
}

static int
fedex_ground(const char *n, size_t len, int *valid)
{
	if (len != 15 || !alldigits(n, len))
		return 0;
	*valid = mod10(NULL, n, 14, 1, 3, 0, n[14]);
	return 1;
}

static int
fedex_sscc18(const char *n, size_t len, int *valid)
{
	if (len != 18 || !alldigits(n, len))
		return 0;
	*valid = mod10(NULL, n + 2, 15, 3, 1, 0, n[17]);
	return 1;
}

static int
fedex_96(const char *n, size_t len, int *valid)
{
	if (len != 22 || !alldigits(n, len) || n[0] != '9' || n[1] != '6')
		return 0;
	*valid = mod10(NULL, n + 7, 14, 1, 3, 0, n[21]);
	return 1;
}

static int
fedex_gsn(const char *n, size_t len, int *valid)
{
	if (len != 34 || !alldigits(n, len) || n[0] != '9' || n[1] != '6')
		return 0;
	*valid = weighted(n + 20, 13, w173, 11, 10, n[33]);
	return 1;
}

static int
usps_20(const char *n, size_t len, int *valid)
{
	if (len != 20 || !alldigits(n, len))
		return 0;
	*valid = mod10(NULL, n, 19, 3, 1, 0, n[19]);
	return 1;
}

/*
 * The optional routing prefix "420" + ZIP (+ ZIP+4) of USPS numbers: the
 * lengths to try in the order the pattern tries them. zip4core is the core
 * length the ZIP+4 form requires (0: any), zip5core the core lengths the
 * five-digit form allows (0: any).
 */
static int
usps_prefixes(const char *n, size_t len, size_t *out, int zip4core,
    const int *zip5core)
{
	int k = 0, i;

	if (len > 12 && strncmp(n, "420", 3) == 0) {
		if (zip4core == 0 || len - 12 == (size_t)zip4core)
			out[k++] = 12;
		for (i = 0; zip5core == NULL || zip5core[i] != 0; i++) {
			if (zip5core == NULL || len - 8 == (size_t)zip5core[i]) {
				out[k++] = 8;
				break;
			}
		}
	} else if (len > 8 && strncmp(n, "420", 3) == 0) {
		for (i = 0; zip5core == NULL || zip5core[i] != 0; i++) {
			if (zip5core == NULL || len - 8 == (size_t)zip5core[i]) {
				out[k++] = 8;
				break;
			}
		}
	}
	out[k++] = 0;
	return k;
}

/* IMpb shipper id and package id: 9 + 8 digits, or [0-8] + 5 digits. */
static int
impb_body(const char *s, size_t n, const int *long9, const int *short6)
{
	size_t body;
	int i;

	if (n < 1)
		return 0;
	body = n - 1;		/* without the check digit */
	if (s[0] == '9') {
		for (i = 0; long9[i] != 0; i++)
			if (body == 9 + (size_t)long9[i])
				return 1;
	} else {
		for (i = 0; short6[i] != 0; i++)
			if (body == 6 + (size_t)short6[i])
				return 1;
	}
	return 0;
}

static int
usps_impb_n(const char *n, size_t len, int *valid)
{
	static const int z5[] = { 22, 26, 0 };
	static const int l9[] = { 15, 11, 7, 0 }, s6[] = { 14, 10, 0 };
	size_t pre[3], clen;
	const char *c;
	int k, i;

	if (!alldigits(n, len))
		return 0;
	k = usps_prefixes(n, len, pre, 22, z5);
	for (i = 0; i < k; i++) {
		c = n + pre[i];
		clen = len - pre[i];
		if (clen < 8 || c[0] != '9' || c[1] != '4' ||
		    !impb_body(c + 5, clen - 5, l9, s6))
			continue;
		*valid = mod10(NULL, c, clen - 1, 3, 1, 1, c[clen - 1]);
		return 1;
	}
	return 0;
}

static int
usps_legacy(const char *n, size_t len, int *valid)
{
	size_t pre[3], clen;
	const char *c;
	int k, i;

	if (!alldigits(n, len))
		return 0;
	k = usps_prefixes(n, len, pre, 0, NULL);
	for (i = 0; i < k; i++) {
		c = n + pre[i];
		clen = len - pre[i];
		if (clen == 22 && c[0] == '9' && c[1] == '1') {
			*valid = mod10(NULL, c, 21, 3, 1, 0, c[21]);
			return 1;
		}
		if (clen == 20) {
			*valid = mod10(c[0] == '9' && c[1] == '1' ? NULL : "91",
			    c, 19, 3, 1, 0, c[19]);
			return 1;
		}
	}
	return 0;
}

static int
usps_impb_c(const char *n, size_t len, int *valid)
{
	static const int l9[] = { 11, 7, 0 }, s6[] = { 14, 10, 0 };
	size_t pre[3], clen;
	const char *c;
	int k, i, ai;

	if (!alldigits(n, len))
		return 0;
	k = usps_prefixes(n, len, pre, 22, NULL);
	for (i = 0; i < k; i++) {
		c = n + pre[i];
		clen = len - pre[i];
		if (clen < 8 || c[0] != '9')
			continue;
		ai = c[1] == '5' || (c[1] == '2' && c[5] == '9') ||
		    (c[1] == '3' && c[5] != '9');
		if (!ai || !impb_body(c + 5, clen - 5, l9, s6))
			continue;
		*valid = mod10(NULL, c, clen - 1, 3, 1, 0, c[clen - 1]);
		return 1;
	}
	return 0;
}

static int
dhl_express(const char *n, size_t len, int *valid)
{
	unsigned long long v = 0;
	size_t i;

	if ((len != 10 && len != 11) || !alldigits(n, len))
		return 0;
	for (i = 0; i + 1 < len; i++)
		v = v * 10 + (unsigned)(n[i] - '0');
	*valid = (int)(v % 7) == n[len - 1] - '0';
	return 1;
}

static int
dhl_piece(const char *n, size_t len, int *valid)
{
	size_t p;

	for (p = 3; p <= 4; p++) {
		if (len < p || n[0] != 'J' || !isupper((unsigned char)n[1]) ||
		    !isupper((unsigned char)n[2]) ||
		    (p == 4 && !isupper((unsigned char)n[3])))
			continue;
		if ((len - p == 9 || len - p == 10) && alldigits(n + p, len - p)) {
			*valid = 1;
			return 1;
		}
	}
	return 0;
}

static int
dhl_ecommerce(const char *n, size_t len, int *valid)
{
	static const char *const pfx[] = { "GM", "LX", "RX", "UV", "CN", "SG",
	    "TH", "IN", "HK", "MY" };
	size_t i;

	if (len < 12 || len > 41 || !allalnum(n, len))
		return 0;
	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++)
		if (strncmp(n, pfx[i], 2) == 0)
			break;
	if (i == sizeof(pfx) / sizeof(pfx[0]))
		return 0;
	/* the pattern wants the serial number to open with a digit */
	if (!isdigit((unsigned char)n[2]))
		return 0;
	*valid = 1;
	return 1;
}

static int
dhl_ecommerce_14(const char *n, size_t len, int *valid)
{
	if (len != 14 || !alldigits(n, len))
		return 0;
	*valid = 1;
	return 1;
}

static const struct svc services[] = {
	{ VA_CARRIER_UPS, "UPS", 1, ups },
	{ VA_CARRIER_UPS, "UPS Waybill", 1, ups_waybill },
	{ VA_CARRIER_FEDEX, "FedEx Express (12)", 1, fedex_12 },
	{ VA_CARRIER_FEDEX, "FedEx Express (34)", 1, fedex_34 },
	{ VA_CARRIER_FEDEX, "FedEx ASTRA (32)", 1, fedex_astra },
	{ VA_CARRIER_FEDEX, "FedEx Ground", 1, fedex_ground },
	{ VA_CARRIER_FEDEX, "FedEx Ground (SSCC-18)", 1, fedex_sscc18 },
	{ VA_CARRIER_FEDEX, "FedEx Ground 96 (22)", 1, fedex_96 },
	{ VA_CARRIER_FEDEX, "FedEx Ground GSN", 1, fedex_gsn },
	{ VA_CARRIER_USPS, "USPS 20", 1, usps_20 },
	{ VA_CARRIER_USPS, "USPS IMpb N", 1, usps_impb_n },
	{ VA_CARRIER_USPS, "USPS Legacy", 1, usps_legacy },
	{ VA_CARRIER_USPS, "USPS IMpb C", 1, usps_impb_c },
	{ VA_CARRIER_DHL, "DHL Express", 1, dhl_express },
	{ VA_CARRIER_DHL, "DHL Express (Piece ID)", 0, dhl_piece },
	{ VA_CARRIER_DHL, "DHL E-Commerce", 0, dhl_ecommerce },
	{ VA_CARRIER_DHL, "DHL E-Commerce (14)", 0, dhl_ecommerce_14 },
};

/*
 * Rank of a candidate: a check digit that holds first, then services
 * without a check digit, then those whose check digit fails.
 */
static int
rank(const struct va_tracking_match *m)
{
	if (!m->valid)
		return 2;
	return m->has_check ? 0 : 1;
}

int
va_tracking_detect(const char *text, struct va_tracking_match *out, int max)
{
	struct va_tracking_match all[sizeof(services) / sizeof(services[0])];
	char norm[64];
	size_t len = 0, i;
	int n = 0, r, k, valid;

	if (text == NULL)
		return 0;
	for (; *text != '\0'; text++) {
		unsigned char c = *text;

		if (isspace(c) || c == '-')
			continue;
		if (!isalnum(c) || len + 1 >= sizeof(norm))
			return 0;
		norm[len++] = toupper(c);
	}
	norm[len] = '\0';
	if (len == 0)
		return 0;
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		valid = 0;
		if (!services[i].match(norm, len, &valid))
			continue;
		all[n].carrier = services[i].carrier;
		all[n].service = services[i].name;
		all[n].valid = valid;
		all[n].has_check = services[i].has_check;
		memcpy(all[n].number, norm, len + 1);
		n++;
	}
	k = 0;
	for (r = 0; r < 3; r++)
		for (i = 0; i < (size_t)n; i++)
			if (rank(&all[i]) == r && k < max && out != NULL)
				out[k++] = all[i];
	return n;
}

const char *
va_carrier_name(enum va_carrier c)
{
	switch (c) {
	case VA_CARRIER_UPS:
		return "ups";
	case VA_CARRIER_FEDEX:
		return "fedex";
	case VA_CARRIER_USPS:
		return "usps";
	case VA_CARRIER_DHL:
		return "dhl";
	default:
		return "none";
	}
}

enum va_carrier
va_carrier_parse(const char *s)
{
	if (s == NULL)
		return VA_CARRIER_NONE;
	if (strcasecmp(s, "ups") == 0)
		return VA_CARRIER_UPS;
	if (strcasecmp(s, "fedex") == 0)
		return VA_CARRIER_FEDEX;
	if (strcasecmp(s, "usps") == 0)
		return VA_CARRIER_USPS;
	if (strcasecmp(s, "dhl") == 0)
		return VA_CARRIER_DHL;
	return VA_CARRIER_NONE;
}
