/*
 * t_tracking.c - unit tests for lib/tracking.c: every valid and invalid
 * sample number of jkeen/tracking_number_data (testdata/tracking/samples.tsv,
 * made by testdata/tracking/extract), and the carrier names.
 *
 * A valid sample must come back as a candidate of its service with the
 * check digit holding, of its carrier; an invalid sample must not come back
 * as a valid candidate of its service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tracking.h"

static void
sample(const char *carrier, const char *service, const char *kind,
    const char *number)
{
	struct va_tracking_match m[24];
	int n, i, found = 0, first_valid = 1;

	n = va_tracking_detect(number, m, 24);
	for (i = 0; i < n && i < 24; i++) {
		if (strcmp(m[i].service, service) == 0 && m[i].valid &&
		    strcmp(va_carrier_name(m[i].carrier), carrier) == 0)
			found = 1;
		if (i > 0 && m[i].valid && !m[i - 1].valid)
			first_valid = 0;
	}
	ok(first_valid, "%s \"%s\": valid candidates first", service, number);
	if (strcmp(kind, "valid") == 0)
		ok(found, "%s \"%s\" is valid (%d candidates)", service,
		    number, n);
	else
		ok(!found, "%s \"%s\" is not valid", service, number);
}

static void
samples(void)
{
	const char *top = getenv("VA_TOP");
	char path[4096], line[512], *f[4], *p;
	FILE *fp;
	int n = 0, k;

	snprintf(path, sizeof(path), "%s/testdata/tracking/samples.tsv",
	    top != NULL ? top : ".");
	fp = fopen(path, "r");
	if (!ok(fp != NULL, "open %s", path))
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		p = line;
		for (k = 0; k < 4 && p != NULL; k++)
			f[k] = strsep(&p, "\t");
		if (k < 4 || f[3] == NULL)
			continue;
		sample(f[0], f[1], f[2], f[3]);
		n++;
	}
	fclose(fp);
	ok(n >= 130, "read %d samples", n);
}

int
main(void)
{
	struct va_tracking_match m[4];

	samples();

	is_int(va_tracking_detect("1Z5R8939-0357-567127", m, 4), 1,
	    "dashes inside are allowed");
	is_str(m[0].number, "1Z5R89390357567127", "number is normalised");
	is_int(m[0].carrier, VA_CARRIER_UPS, "1Z is UPS");
	ok(m[0].has_check && m[0].valid, "UPS check digit holds");
	is_int(va_tracking_detect("1z5r89390357567127", m, 4), 1,
	    "lower case is accepted");
	is_int(va_tracking_detect("order 10234", m, 4), 0,
	    "words are not a tracking number");
	is_int(va_tracking_detect("", m, 4), 0, "empty text");
	is_int(va_tracking_detect(NULL, m, 4), 0, "NULL text");
	is_int(va_tracking_detect("1234", m, 4), 0, "too short");
	ok(va_tracking_detect("0307 1790 0005 2348 3741", m, 1) >= 2,
	    "20 digits fit more than one service, all are counted");
	is_int(m[0].carrier, VA_CARRIER_USPS, "the best fit comes first");
	ok(va_tracking_detect("0307 1790 0005 2348 3741", NULL, 0) >= 2,
	    "out may be NULL when max is 0");

	is_str(va_carrier_name(VA_CARRIER_FEDEX), "fedex", "name fedex");
	is_str(va_carrier_name(VA_CARRIER_NONE), "none", "name none");
	is_int(va_carrier_parse("UPS"), VA_CARRIER_UPS, "parse UPS");
	is_int(va_carrier_parse("dhl"), VA_CARRIER_DHL, "parse dhl");
	is_int(va_carrier_parse("Usps"), VA_CARRIER_USPS, "parse Usps");
	is_int(va_carrier_parse("FedEx"), VA_CARRIER_FEDEX, "parse FedEx");
	is_int(va_carrier_parse("royal mail"), VA_CARRIER_NONE, "parse other");
	is_int(va_carrier_parse(NULL), VA_CARRIER_NONE, "parse NULL");
	return tap_done();
}
