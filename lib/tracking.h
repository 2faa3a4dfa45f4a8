/*
 * tracking.h - carrier tracking numbers: which carrier, and is the check
 * digit right.
 *
 * Patterns and check-digit rules follow jkeen/tracking_number_data (copies
 * in /work/shared/contracts/specs/tracking_number_data, summarised in
 * contracts/README.md): UPS (1Z..., mod 10 over the mapped characters),
 * FedEx (12-digit Express mod 11, 15-digit Ground mod 10, 20/22-digit
 * SmartPost), USPS (20/22-digit IMpb mod 10, S10 international with
 * mod 11 weights 8 6 4 2 3 5 9 7), DHL (10-digit Express mod 7, piece ids,
 * eCommerce). Many numbers fit more than one carrier (12, 20, 22 digits):
 * every candidate is returned, those whose check digit holds first, so a
 * caller can be asked when several remain.
 *
 * Used by va-intent (entities in what the caller said) and va-track.
 */
#ifndef VA_TRACKING_H
#define VA_TRACKING_H

#include <stddef.h>

enum va_carrier { VA_CARRIER_NONE, VA_CARRIER_UPS, VA_CARRIER_FEDEX,
	VA_CARRIER_USPS, VA_CARRIER_DHL };

struct va_tracking_match {
	enum va_carrier carrier;
	const char *service;	/* static: "UPS", "FedEx Express", "USPS IMpb", ... */
	int	valid;		/* the check digit holds (1 also where the
				   service has no check digit) */
	int	has_check;	/* the service defines a check digit */
	char	number[64];	/* normalised: upper case, no spaces or dashes */
};

/*
 * Classify text as one tracking number (spaces and dashes allowed inside).
 * Writes at most max candidates to out, valid ones first, and returns how
 * many there are in all (0: not a tracking number of any carrier).
 */
int	va_tracking_detect(const char *text, struct va_tracking_match *out,
	    int max);
/* "ups", "fedex", "usps", "dhl", or "none". */
const char *va_carrier_name(enum va_carrier);
/* The carrier for a name as above (case-insensitive), or VA_CARRIER_NONE. */
enum va_carrier va_carrier_parse(const char *);

#endif
