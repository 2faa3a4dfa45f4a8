/*
 * shipment.c - the normalised shipment: JSON both ways, and the reply that
 * tells a caller where the parcel is (see shipment.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "shipment.h"

static const char *const status_names[] = { "unknown", "pre_transit",
	"in_transit", "out_for_delivery", "delivered", "exception" };

static const char *const states[][2] = {
	{ "AL", "Alabama" }, { "AK", "Alaska" }, { "AZ", "Arizona" },
	{ "AR", "Arkansas" }, { "CA", "California" }, { "CO", "Colorado" },
	{ "CT", "Connecticut" }, { "DE", "Delaware" },
	{ "DC", "the District of Columbia" }, { "FL", "Florida" },
	{ "GA", "Georgia" }, { "HI", "Hawaii" }, { "ID", "Idaho" },
	{ "IL", "Illinois" }, { "IN", "Indiana" }, { "IA", "Iowa" },
	{ "KS", "Kansas" }, { "KY", "Kentucky" }, { "LA", "Louisiana" },
	{ "ME", "Maine" }, { "MD", "Maryland" }, { "MA", "Massachusetts" },
	{ "MI", "Michigan" }, { "MN", "Minnesota" }, { "MS", "Mississippi" },
	{ "MO", "Missouri" }, { "MT", "Montana" }, { "NE", "Nebraska" },
	{ "NV", "Nevada" }, { "NH", "New Hampshire" }, { "NJ", "New Jersey" },
	{ "NM", "New Mexico" }, { "NY", "New York" },
	{ "NC", "North Carolina" }, { "ND", "North Dakota" }, { "OH", "Ohio" },
	{ "OK", "Oklahoma" }, { "OR", "Oregon" }, { "PA", "Pennsylvania" },
	{ "PR", "Puerto Rico" }, { "RI", "Rhode Island" },
	{ "SC", "South Carolina" }, { "SD", "South Dakota" },
	{ "TN", "Tennessee" }, { "TX", "Texas" }, { "UT", "Utah" },
	{ "VT", "Vermont" }, { "VA", "Virginia" }, { "WA", "Washington" },
	{ "WV", "West Virginia" }, { "WI", "Wisconsin" }, { "WY", "Wyoming" },
};

static const char *const wdays[] = { "Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const months[] = { "January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December" };

const char *
va_shipment_status_name(enum va_ship_status s)
{
	if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[s];
}

static void
set_str(json_t *o, const char *key, const char *val)
{
	if (val[0] != '\0')
		json_object_set_new(o, key, json_string(val));
}

json_t *
va_shipment_json(const struct va_shipment *s)
{
	json_t *o, *scan, *est;

	if ((o = json_object()) == NULL)
		return NULL;
	set_str(o, "number", s->number);
	set_str(o, "carrier", s->carrier);
	json_object_set_new(o, "status",
	    json_string(va_shipment_status_name(s->status)));
	set_str(o, "status_text", s->status_text);
	if (s->city[0] || s->state[0] || s->country[0] || s->scan_time[0]) {
		scan = json_object();
		set_str(scan, "city", s->city);
		set_str(scan, "state", s->state);
		set_str(scan, "country", s->country);
		set_str(scan, "time", s->scan_time);
		json_object_set_new(o, "last_scan", scan);
	}
	if (s->est_date[0]) {
		est = json_object();
		set_str(est, "date", s->est_date);
		set_str(est, "from", s->est_from);
		set_str(est, "to", s->est_to);
		json_object_set_new(o, "estimate", est);
	}
	set_str(o, "service", s->service);
	return o;
}

static void
get_str(const json_t *o, const char *key, char *out, size_t cap)
{
	const char *v = json_string_value(json_object_get(o, key));

	out[0] = '\0';
	if (v != NULL)
		snprintf(out, cap, "%s", v);
}

int
va_shipment_from_json(struct va_shipment *s, const json_t *o)
{
	const json_t *scan, *est;
	const char *st;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(o) ||
	    (st = json_string_value(json_object_get(o, "status"))) == NULL)
		return -1;
	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(st, status_names[i]) == 0)
			s->status = (enum va_ship_status)i;
	get_str(o, "number", s->number, sizeof(s->number));
	get_str(o, "carrier", s->carrier, sizeof(s->carrier));
	get_str(o, "status_text", s->status_text, sizeof(s->status_text));
	get_str(o, "service", s->service, sizeof(s->service));
	if ((scan = json_object_get(o, "last_scan")) != NULL) {
		get_str(scan, "city", s->city, sizeof(s->city));
		get_str(scan, "state", s->state, sizeof(s->state));
		get_str(scan, "country", s->country, sizeof(s->country));
		get_str(scan, "time", s->scan_time, sizeof(s->scan_time));
	}
	if ((est = json_object_get(o, "estimate")) != NULL) {
		get_str(est, "date", s->est_date, sizeof(s->est_date));
		get_str(est, "from", s->est_from, sizeof(s->est_from));
		get_str(est, "to", s->est_to, sizeof(s->est_to));
	}
	return 0;
}

static int
digits(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int
va_shipment_set_ymd(char out[11], const char *s)
{
	out[0] = '\0';
	if (s == NULL)
		return -1;
	if (digits(s, 8))
		snprintf(out, 11, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
	else if (digits(s, 4) && s[4] == '-' && digits(s + 5, 2) &&
	    s[7] == '-' && digits(s + 8, 2))
		snprintf(out, 11, "%.10s", s);
	else
		return -1;
	return 0;
}

int
va_shipment_set_hm(char out[6], const char *s)
{
	const char *t;

	out[0] = '\0';
	if (s == NULL)
		return -1;
	if ((t = strchr(s, 'T')) != NULL || (strlen(s) > 10 && s[10] == ' '))
		s = t != NULL ? t + 1 : s + 11;
	if (digits(s, 4) && (s[4] == '\0' || digits(s + 4, 2)))
		snprintf(out, 6, "%.2s:%.2s", s, s + 2);
	else if (digits(s, 2) && s[2] == ':' && digits(s + 3, 2))
		snprintf(out, 6, "%.5s", s);
	else
		return -1;
	return 0;
}

int
va_shipment_set_time(char out[20], const char *s)
{
	char d[11], hm[6];

	out[0] = '\0';
	if (va_shipment_set_ymd(d, s) == -1)
		return -1;
	if (va_shipment_set_hm(hm, s) == -1)
		snprintf(hm, sizeof(hm), "00:00");
	snprintf(out, 20, "%sT%s", d, hm);
	return 0;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long
days_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Parse "YYYY-MM-DD..." into days; -1 on failure (never a real value). */
static int
parse_day(const char *s, long *days, int *month, int *mday)
{
	int y, m, d;

	if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return -1;
	*days = days_civil(y, m, d);
	*month = m;
	*mday = d;
	return 0;
}

struct buf {
	char	b[512];
	size_t	n;
};

__attribute__((format(printf, 2, 3))) static void
add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (b->n >= sizeof(b->b))
		return;
	va_start(ap, fmt);
	r = vsnprintf(b->b + b->n, sizeof(b->b) - b->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		b->n += (size_t)r;
	if (b->n >= sizeof(b->b))
		b->n = sizeof(b->b) - 1;
}

static const char *
part_of_day(int hour)
{
	return hour < 12 ? "morning" : hour < 17 ? "afternoon" : "evening";
}

/* When a scan happened, as said on a call at day `today`. */
static void
say_when(struct buf *b, const char *t, long today)
{
	long day;
	int mon, mday, hour = 12;

	if (parse_day(t, &day, &mon, &mday) == -1)
		return;
	if (strlen(t) >= 13)
		hour = atoi(t + 11);
	if (day >= today)
		add(b, " this %s", part_of_day(hour));
	else if (day == today - 1)
		add(b, " yesterday %s", part_of_day(hour));
	else if (day > today - 7)
		add(b, " on %s", wdays[(day % 7 + 11) % 7]);
	else
		add(b, " on %s %d", months[mon - 1], mday);
}

/* A day ahead: "today", "tomorrow", "Friday", "on March 5". */
static void
say_day(struct buf *b, const char *date, long today)
{
	long day;
	int mon, mday;

	if (parse_day(date, &day, &mon, &mday) == -1)
		return;
	if (day == today)
		add(b, "today");
	else if (day == today + 1)
		add(b, "tomorrow");
	else if (day > today && day < today + 7)
		add(b, "%s", wdays[(day % 7 + 11) % 7]);
	else
		add(b, "on %s %d", months[mon - 1], mday);
}

/* An hour of the clock as said: "noon", "four", "9:30". */
static void
say_hour(struct buf *b, const char *hm, int with_half)
{
	static const char *const words[] = { "twelve", "one", "two", "three",
	    "four", "five", "six", "seven", "eight", "nine", "ten", "eleven" };
	int h = atoi(hm), m = atoi(hm + 3);

	if (h == 12 && m == 0)
		add(b, "noon");
	else if ((h == 0 || h == 24) && m == 0)
		add(b, "midnight");
	else if (m == 0)
		add(b, "%s", words[h % 12]);
	else
		add(b, "%d:%02d", h % 12 == 0 ? 12 : h % 12, m);
	if (with_half && !(h % 12 == 0 && m == 0))
		add(b, h < 12 ? " a.m." : " p.m.");
}

static void
say_window(struct buf *b, const char *from, const char *to)
{
	int hf = atoi(from), ht = atoi(to);

	add(b, " between ");
	if (hf == 12 || (hf < 12) == (ht < 12 || (ht == 12 && to[3] == '0' &&
	    to[4] == '0'))) {
		/* One half of the day: "between noon and four". */
		say_hour(b, from, 0);
		add(b, " and ");
		say_hour(b, to, 0);
		if (hf != 12 && hf != 0)
			add(b, " in the %s", part_of_day(hf));
	} else {
		say_hour(b, from, 1);
		add(b, " and ");
		say_hour(b, to, 1);
	}
}

static void
say_place(struct buf *b, const struct va_shipment *s)
{
	const char *state = s->state;
	size_t i, k;
	int caps = 1;

	for (i = 0; s->city[i] != '\0'; i++)
		if (islower((unsigned char)s->city[i]))
			caps = 0;
	/* "LOUISVILLE" is said as "Louisville". */
	for (i = 0; s->city[i] != '\0'; i++) {
		int c = (unsigned char)s->city[i];

		if (caps && i > 0 && isalpha((unsigned char)s->city[i - 1]))
			c = tolower(c);
		add(b, "%c", c);
	}
	if (state[0] != '\0' && (s->country[0] == '\0' ||
	    strcmp(s->country, "US") == 0)) {
		for (k = 0; k < sizeof(states) / sizeof(states[0]); k++)
			if (strcasecmp(state, states[k][0]) == 0)
				state = states[k][1];
	}
	if (state[0] != '\0')
		add(b, "%s%s", s->city[0] ? ", " : "", state);
	else if (s->country[0] != '\0' && strcmp(s->country, "US") != 0)
		add(b, "%s%s", s->city[0] ? ", " : "", s->country);
}

static const char *
carrier_said(const char *c)
{
	if (strcmp(c, "ups") == 0)
		return "UPS";
	if (strcmp(c, "fedex") == 0)
		return "FedEx";
	if (strcmp(c, "usps") == 0)
		return "the Postal Service";
	if (strcmp(c, "dhl") == 0)
		return "DHL";
	return "the carrier";
}

static void
say_estimate(struct buf *b, const struct va_shipment *s, long today)
{
	add(b, " ");
	say_day(b, s->est_date, today);
	if (s->est_from[0] && s->est_to[0])
		say_window(b, s->est_from, s->est_to);
}

char *
va_shipment_say(const struct va_shipment *s, int64_t now_ms)
{
	struct buf b;
	struct tm tm;
	time_t t = (time_t)(now_ms / 1000);
	long today;
	int place = s->city[0] || s->state[0];

	memset(&b, 0, sizeof(b));
	localtime_r(&t, &tm);
	today = days_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	switch (s->status) {
	case VA_SHIP_PRE_TRANSIT:
		add(&b, "The label has been created, but %s hasn't received "
		    "the parcel yet", carrier_said(s->carrier));
		if (s->est_date[0]) {
			add(&b, "; it's expected");
			say_estimate(&b, s, today);
		}
		break;
	case VA_SHIP_IN_TRANSIT:
		add(&b, "It's in transit");
		if (place) {
			add(&b, ", last scanned in ");
			say_place(&b, s);
			if (s->scan_time[0])
				say_when(&b, s->scan_time, today);
		}
		if (s->est_date[0]) {
			add(&b, "%s expected", place ? ", and" : ", and it's");
			say_estimate(&b, s, today);
		}
		break;
	case VA_SHIP_OUT_FOR_DELIVERY:
		add(&b, "It's out for delivery today");
		if (s->est_from[0] && s->est_to[0]) {
			add(&b, ", expected");
			say_window(&b, s->est_from, s->est_to);
		}
		break;
	case VA_SHIP_DELIVERED:
		add(&b, "It was delivered");
		if (s->scan_time[0])
			say_when(&b, s->scan_time, today);
		if (place) {
			add(&b, " in ");
			say_place(&b, s);
		}
		break;
	case VA_SHIP_EXCEPTION:
		add(&b, "%s reports a problem with this delivery",
		    carrier_said(s->carrier));
		if (place) {
			add(&b, "; it was last scanned in ");
			say_place(&b, s);
			if (s->scan_time[0])
				say_when(&b, s->scan_time, today);
		}
		break;
	default:
		add(&b, "%s has the number, but no scans yet",
		    carrier_said(s->carrier));
		break;
	}
	/* "... two p.m." already ends the sentence. */
	if (b.n == 0 || b.b[b.n - 1] != '.')
		add(&b, ".");
	if (islower((unsigned char)b.b[0]))
		b.b[0] = (char)toupper((unsigned char)b.b[0]);
	return strdup(b.b);
}
