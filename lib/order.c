/*
 * order.c - the normalised order: building it, JSON both ways, money and
 * dates as vendors write them, and the sentence for the caller (see
 * order.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "order.h"
#include "strbuf.h"

static const char *const statuses[] = { "pending", "processing", "on_hold",
	"partially_shipped", "shipped", "delivered", "completed", "cancelled",
	"refunded", "failed", "unknown", NULL };

void
va_order_init(struct va_order *o)
{
	memset(o, 0, sizeof(*o));
	o->total = -1;
}

static void
fulfilment_free(struct va_order_fulfilment *f)
{
	size_t i;

	free(f->status);
	free(f->carrier);
	for (i = 0; i < f->ntracking; i++)
		free(f->tracking[i]);
	free(f->tracking);
	free(f->shipped_at);
}

void
va_order_free(struct va_order *o)
{
	size_t i;

	if (o == NULL)
		return;
	free(o->number);
	free(o->id);
	free(o->store);
	free(o->status);
	free(o->vendor_status);
	free(o->financial_status);
	free(o->currency);
	for (i = 0; i < o->nitems; i++) {
		free(o->items[i].title);
		free(o->items[i].sku);
	}
	free(o->items);
	for (i = 0; i < o->nfulfilments; i++)
		fulfilment_free(&o->fulfilments[i]);
	free(o->fulfilments);
	free(o->email);
	free(o->phone);
	free(o->created_at);
	free(o->updated_at);
	free(o->cancelled_at);
	va_order_init(o);
}

int
va_order_set(char **dst, const char *src)
{
	char *s = NULL;

	if (src != NULL && (s = strdup(src)) == NULL)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

struct va_order_item *
va_order_add_item(struct va_order *o)
{
	struct va_order_item *p;

	p = realloc(o->items, (o->nitems + 1) * sizeof(*p));
	if (p == NULL)
		return NULL;
	o->items = p;
	p = &o->items[o->nitems++];
	memset(p, 0, sizeof(*p));
	p->price = -1;
	return p;
}

struct va_order_fulfilment *
va_order_add_fulfilment(struct va_order *o)
{
	struct va_order_fulfilment *p;

	p = realloc(o->fulfilments, (o->nfulfilments + 1) * sizeof(*p));
	if (p == NULL)
		return NULL;
	o->fulfilments = p;
	p = &o->fulfilments[o->nfulfilments++];
	memset(p, 0, sizeof(*p));
	return p;
}

int
va_order_add_tracking(struct va_order_fulfilment *f, const char *num)
{
	char **p;
	size_t i;

	if (num == NULL || *num == '\0')
		return 0;
	for (i = 0; i < f->ntracking; i++)
		if (strcmp(f->tracking[i], num) == 0)
			return 0;
	if ((p = realloc(f->tracking, (f->ntracking + 1) * sizeof(*p))) == NULL)
		return -1;
	f->tracking = p;
	if ((p[f->ntracking] = strdup(num)) == NULL)
		return -1;
	f->ntracking++;
	return 0;
}

int
va_order_status_valid(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && statuses[i] != NULL; i++)
		if (strcmp(statuses[i], s) == 0)
			return 1;
	return 0;
}

/* JSON */

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
int_or_null(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

json_t *
va_order_to_json(const struct va_order *o)
{
	json_t *j, *items, *fuls, *it, *f, *tr;
	size_t i, k;
	int bad = 0;

	if ((j = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(j, "number", str_or_null(o->number));
	bad |= json_object_set_new(j, "id", str_or_null(o->id));
	bad |= json_object_set_new(j, "store", str_or_null(o->store));
	bad |= json_object_set_new(j, "status", str_or_null(o->status));
	bad |= json_object_set_new(j, "vendor_status",
	    str_or_null(o->vendor_status));
	bad |= json_object_set_new(j, "financial_status",
	    str_or_null(o->financial_status));
	bad |= json_object_set_new(j, "currency", str_or_null(o->currency));
	bad |= json_object_set_new(j, "total", int_or_null(o->total));
	items = json_array();
	for (i = 0; items != NULL && i < o->nitems; i++) {
		it = json_object();
		bad |= json_object_set_new(it, "title",
		    str_or_null(o->items[i].title));
		bad |= json_object_set_new(it, "sku",
		    str_or_null(o->items[i].sku));
		bad |= json_object_set_new(it, "quantity",
		    json_integer(o->items[i].quantity));
		bad |= json_object_set_new(it, "price",
		    int_or_null(o->items[i].price));
		bad |= json_array_append_new(items, it);
	}
	bad |= json_object_set_new(j, "items", items);
	fuls = json_array();
	for (i = 0; fuls != NULL && i < o->nfulfilments; i++) {
		const struct va_order_fulfilment *fu = &o->fulfilments[i];

		f = json_object();
		bad |= json_object_set_new(f, "status",
		    str_or_null(fu->status));
		bad |= json_object_set_new(f, "carrier",
		    str_or_null(fu->carrier));
		tr = json_array();
		for (k = 0; tr != NULL && k < fu->ntracking; k++)
			bad |= json_array_append_new(tr,
			    json_string(fu->tracking[k]));
		bad |= json_object_set_new(f, "tracking", tr);
		bad |= json_object_set_new(f, "shipped_at",
		    str_or_null(fu->shipped_at));
		bad |= json_array_append_new(fuls, f);
	}
	bad |= json_object_set_new(j, "fulfilments", fuls);
	bad |= json_object_set_new(j, "email", str_or_null(o->email));
	bad |= json_object_set_new(j, "created_at", str_or_null(o->created_at));
	bad |= json_object_set_new(j, "updated_at", str_or_null(o->updated_at));
	bad |= json_object_set_new(j, "cancelled_at",
	    str_or_null(o->cancelled_at));
	if (bad) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Copy member key of j into *dst when it is a string; -1 if another type. */
static int
get_str(const json_t *j, const char *key, char **dst)
{
	const json_t *v = json_object_get(j, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_integer_value(v));
		return va_order_set(dst, buf);
	}
	if (!json_is_string(v))
		return -1;
	return va_order_set(dst, json_string_value(v));
}

static int
get_int(const json_t *j, const char *key, int64_t *dst)
{
	const json_t *v = json_object_get(j, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return -1;
	*dst = json_integer_value(v);
	return 0;
}

static int
fulfilment_from_json(struct va_order *o, const json_t *f)
{
	struct va_order_fulfilment *fu;
	const json_t *tr, *v;
	size_t k;

	if (!json_is_object(f) || (fu = va_order_add_fulfilment(o)) == NULL)
		return -1;
	if (get_str(f, "status", &fu->status) == -1 ||
	    get_str(f, "carrier", &fu->carrier) == -1 ||
	    get_str(f, "shipped_at", &fu->shipped_at) == -1)
		return -1;
	tr = json_object_get(f, "tracking");
	if (json_is_string(tr))
		return va_order_add_tracking(fu, json_string_value(tr));
	json_array_foreach(tr, k, v)
		if (!json_is_string(v) ||
		    va_order_add_tracking(fu, json_string_value(v)) == -1)
			return -1;
	return 0;
}

int
va_order_from_json(struct va_order *o, const json_t *j, const char **why)
{
	const json_t *arr, *v;
	struct va_order_item *it;
	size_t i;

	va_order_init(o);
	*why = "not an object";
	if (!json_is_object(j))
		return -1;
	*why = "a member has the wrong type";
	if (get_str(j, "number", &o->number) == -1 ||
	    get_str(j, "id", &o->id) == -1 ||
	    get_str(j, "store", &o->store) == -1 ||
	    get_str(j, "status", &o->status) == -1 ||
	    get_str(j, "vendor_status", &o->vendor_status) == -1 ||
	    get_str(j, "financial_status", &o->financial_status) == -1 ||
	    get_str(j, "currency", &o->currency) == -1 ||
	    get_int(j, "total", &o->total) == -1 ||
	    get_str(j, "email", &o->email) == -1 ||
	    get_str(j, "phone", &o->phone) == -1 ||
	    get_str(j, "created_at", &o->created_at) == -1 ||
	    get_str(j, "updated_at", &o->updated_at) == -1 ||
	    get_str(j, "cancelled_at", &o->cancelled_at) == -1)
		goto bad;
	arr = json_object_get(j, "items");
	if (arr != NULL && !json_is_array(arr) && !json_is_null(arr))
		goto bad;
	json_array_foreach(arr, i, v) {
		if (!json_is_object(v) || (it = va_order_add_item(o)) == NULL)
			goto bad;
		it->quantity = 1;
		if (get_str(v, "title", &it->title) == -1 ||
		    get_str(v, "sku", &it->sku) == -1 ||
		    get_int(v, "quantity", &it->quantity) == -1 ||
		    get_int(v, "price", &it->price) == -1)
			goto bad;
	}
	arr = json_object_get(j, "fulfilments");
	if (arr != NULL && !json_is_array(arr) && !json_is_null(arr))
		goto bad;
	json_array_foreach(arr, i, v)
		if (fulfilment_from_json(o, v) == -1)
			goto bad;
	if (o->number == NULL) {
		*why = "no order number";
		goto bad;
	}
	if (o->status == NULL && va_order_set(&o->status, "unknown") == -1)
		goto bad;
	if (!va_order_status_valid(o->status)) {
		*why = "unknown status";
		goto bad;
	}
	*why = NULL;
	return 0;
bad:
	va_order_free(o);
	return -1;
}

/* Money */

int
va_money_exponent(const char *c)
{
	static const char *const zero[] = { "BIF", "CLP", "DJF", "GNF", "ISK",
		"JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
		"XAF", "XOF", "XPF", NULL };
	static const char *const three[] = { "BHD", "IQD", "JOD", "KWD",
		"LYD", "OMR", "TND", NULL };
	size_t i;

	for (i = 0; c != NULL && zero[i] != NULL; i++)
		if (strcasecmp(c, zero[i]) == 0)
			return 0;
	for (i = 0; c != NULL && three[i] != NULL; i++)
		if (strcasecmp(c, three[i]) == 0)
			return 3;
	return 2;
}

int
va_money_parse(const char *s, const char *currency, int64_t *out)
{
	int64_t v = 0;
	int e = va_money_exponent(currency), neg = 0, nd = 0, nf = 0;
	int round = 0;

	if (s == NULL)
		return -1;
	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; isdigit((unsigned char)*s); s++, nd++) {
		if (v > 100000000000000LL)	/* 10^14: plenty for money */
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++, nf++) {
			if (nf < e) {
				v = v * 10 + (*s - '0');
			} else if (nf == e)
				round = *s >= '5';
		}
	while (*s == ' ')
		s++;
	if (*s != '\0' || nd + nf == 0)
		return -1;
	for (; nf < e; nf++)
		v *= 10;
	v += round;
	*out = neg ? -v : v;
	return 0;
}

int
va_money_json(const json_t *j, const char *currency, int64_t *out)
{
	char buf[64];

	if (json_is_string(j))
		return va_money_parse(json_string_value(j), currency, out);
	if (json_is_integer(j)) {
		snprintf(buf, sizeof(buf), "%lld",
		    (long long)json_integer_value(j));
		return va_money_parse(buf, currency, out);
	}
	if (json_is_real(j)) {
		snprintf(buf, sizeof(buf), "%.6f", json_real_value(j));
		return va_money_parse(buf, currency, out);
	}
	return -1;
}

/* Dates */

static int
num(const char **sp, int n, int *out)
{
	const char *s = *sp;
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*out = v;
	return 0;
}

/* "Z", "+0000", "+00:00", "-05:00", "UTC", "GMT" or nothing: seconds east. */
static int
zone(const char *s, long *off)
{
	int h, m, sign;

	while (*s == ' ')
		s++;
	*off = 0;
	if (*s == '\0' || strcmp(s, "Z") == 0 || strcmp(s, "UTC") == 0 ||
	    strcmp(s, "GMT") == 0)
		return 0;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (num(&s, 2, &h) == -1)
		return -1;
	if (*s == ':')
		s++;
	if (num(&s, 2, &m) == -1 || *s != '\0')
		return -1;
	*off = sign * (h * 3600L + m * 60L);
	return 0;
}

static int
iso(const char *s, struct tm *tm, long *off)
{
	memset(tm, 0, sizeof(*tm));
	if (num(&s, 4, &tm->tm_year) == -1 || *s++ != '-' ||
	    num(&s, 2, &tm->tm_mon) == -1 || *s++ != '-' ||
	    num(&s, 2, &tm->tm_mday) == -1)
		return -1;
	*off = 0;
	if (*s == '\0')
		return 0;
	if (*s != 'T' && *s != ' ')
		return -1;
	s++;
	if (num(&s, 2, &tm->tm_hour) == -1 || *s++ != ':' ||
	    num(&s, 2, &tm->tm_min) == -1)
		return -1;
	if (*s == ':') {
		s++;
		if (num(&s, 2, &tm->tm_sec) == -1)
			return -1;
	}
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			;
	return zone(s, off);
}

static int
rfc2822(const char *s, struct tm *tm, long *off)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *m;
	int d;

	memset(tm, 0, sizeof(*tm));
	if (isalpha((unsigned char)*s)) {	/* day name */
		if ((s = strchr(s, ',')) == NULL)
			return -1;
		s++;
	}
	while (*s == ' ')
		s++;
	if (num(&s, isdigit((unsigned char)s[1]) ? 2 : 1, &d) == -1 ||
	    *s++ != ' ')
		return -1;
	tm->tm_mday = d;
	for (m = months; *m != '\0'; m += 3)
		if (strncasecmp(s, m, 3) == 0)
			break;
	if (*m == '\0' || s[3] != ' ')
		return -1;
	tm->tm_mon = (int)((m - months) / 3) + 1;
	s += 4;
	if (num(&s, 4, &tm->tm_year) == -1 || *s++ != ' ' ||
	    num(&s, 2, &tm->tm_hour) == -1 || *s++ != ':' ||
	    num(&s, 2, &tm->tm_min) == -1)
		return -1;
	if (*s == ':') {
		s++;
		if (num(&s, 2, &tm->tm_sec) == -1)
			return -1;
	}
	return zone(s, off);
}

int
va_order_date(const char *s, char *out, size_t cap)
{
	struct tm tm, res;
	long off;
	time_t t;

	if (s == NULL || cap < 21)
		return -1;
	while (*s == ' ')
		s++;
	if (iso(s, &tm, &off) == -1 && rfc2822(s, &tm, &off) == -1)
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) - off;
	if (gmtime_r(&t, &res) == NULL)
		return -1;
	return strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &res) > 0 ? 0 : -1;
}

/* Speech */

/* Text, XML-escaped in SSML mode. */
static void
sb_text(struct va_strbuf *b, const char *s, enum va_say_mode mode)
{
	for (; *s != '\0'; s++) {
		if (mode == VA_SAY_SSML && *s == '&')
			va_strbuf_add(b, "&amp;");
		else if (mode == VA_SAY_SSML && *s == '<')
			va_strbuf_add(b, "&lt;");
		else if (mode == VA_SAY_SSML && *s == '>')
			va_strbuf_add(b, "&gt;");
		else
			va_strbuf_addn(b, s, 1);
	}
}

/*
 * A number read out character by character: "1 0 2 3 4", or
 * <say-as interpret-as="digits">10234</say-as> (characters when it holds
 * letters). A leading '#' is not said, nor leading zeros.
 */
static void
sb_number(struct va_strbuf *b, const char *s, enum va_say_mode mode)
{
	const char *p;
	int digits = 1;

	while (*s == '#' || *s == ' ')
		s++;
	for (p = s; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			digits = 0;
	/* Nobody says the zeros of "000001001". */
	while (digits && s[0] == '0' && s[1] != '\0')
		s++;
	if (mode == VA_SAY_SSML) {
		va_strbuf_add(b, digits ? "<say-as interpret-as=\"digits\">" :
		    "<say-as interpret-as=\"characters\">");
		sb_text(b, s, mode);
		va_strbuf_add(b, "</say-as>");
		return;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (p != s)
			va_strbuf_addn(b, " ", 1);
		va_strbuf_addn(b, p, 1);
	}
}

static const struct va_order_fulfilment *
first_shipment(const struct va_order *o)
{
	size_t i;

	for (i = 0; i < o->nfulfilments; i++)
		if (o->fulfilments[i].carrier != NULL ||
		    o->fulfilments[i].ntracking > 0)
			return &o->fulfilments[i];
	return o->nfulfilments > 0 ? &o->fulfilments[0] : NULL;
}

static void
say_tracking(struct va_strbuf *b, const struct va_order_fulfilment *f,
    enum va_say_mode mode)
{
	const char *t;
	size_t n;

	if (f == NULL || f->ntracking == 0)
		return;
	t = f->tracking[0];
	if ((n = strlen(t)) <= 4)
		return;
	va_strbuf_add(b, " The tracking number ends in ");
	sb_number(b, t + n - 4, mode);
	va_strbuf_add(b, ".");
}

static void
say_carrier(struct va_strbuf *b, const struct va_order_fulfilment *f,
    enum va_say_mode mode)
{
	if (f != NULL && f->carrier != NULL && *f->carrier != '\0') {
		va_strbuf_add(b, " with ");
		sb_text(b, f->carrier, mode);
	}
}

char *
va_order_say(const struct va_order *o, enum va_say_mode mode)
{
	const struct va_order_fulfilment *f = first_shipment(o);
	const char *st = o->status != NULL ? o->status : "unknown";
	struct va_strbuf b = { 0 };

	if (strcmp(st, "partially_shipped") == 0) {
		va_strbuf_add(&b, "Part of your order ");
		sb_number(&b, o->number, mode);
		va_strbuf_add(&b, " has shipped");
		say_carrier(&b, f, mode);
		va_strbuf_add(&b, ", and the rest will follow.");
		say_tracking(&b, f, mode);
		goto done;
	}
	va_strbuf_add(&b, "Your order ");
	sb_number(&b, o->number, mode);
	if (strcmp(st, "pending") == 0)
		va_strbuf_add(&b, " is waiting for payment.");
	else if (strcmp(st, "processing") == 0)
		va_strbuf_add(&b, " has been received and is being prepared "
		    "for shipping.");
	else if (strcmp(st, "on_hold") == 0)
		va_strbuf_add(&b, " is on hold. A member of our team can tell "
		    "you why.");
	else if (strcmp(st, "shipped") == 0) {
		va_strbuf_add(&b, " has shipped");
		say_carrier(&b, f, mode);
		va_strbuf_add(&b, " and is on its way.");
		say_tracking(&b, f, mode);
	} else if (strcmp(st, "delivered") == 0) {
		va_strbuf_add(&b, " has been delivered");
		say_carrier(&b, f, mode);
		va_strbuf_add(&b, ".");
	} else if (strcmp(st, "completed") == 0)
		va_strbuf_add(&b, " is complete.");
	else if (strcmp(st, "cancelled") == 0)
		va_strbuf_add(&b, " was cancelled.");
	else if (strcmp(st, "refunded") == 0)
		va_strbuf_add(&b, " was refunded.");
	else if (strcmp(st, "failed") == 0)
		va_strbuf_add(&b, " could not be completed because the payment "
		    "did not go through.");
	else
		va_strbuf_add(&b, " is in our system, but I can't tell its "
		    "status right now.");
done:
	return va_strbuf_finish(&b);
}

char *
va_order_say_missing(const char *status, const char *number,
    const char *by, enum va_say_mode mode)
{
	struct va_strbuf b = { 0 };

	if (strcmp(status, "not_found") == 0 && number != NULL) {
		va_strbuf_add(&b, "I couldn't find an order with the number ");
		sb_number(&b, number, mode);
		va_strbuf_add(&b, ". Could you check the number and say it "
		    "again?");
	} else if (strcmp(status, "not_found") == 0) {
		va_strbuf_add(&b, "I couldn't find an order for that ");
		va_strbuf_add(&b, by != NULL && strcmp(by, "phone") == 0 ?
		    "phone number" : "email address");
		va_strbuf_add(&b, ". Could you give me the order number?");
	} else if (strcmp(status, "invalid") == 0 && by != NULL) {
		va_strbuf_add(&b, "I can't look orders up by ");
		va_strbuf_add(&b, strcmp(by, "phone") == 0 ? "phone number" :
		    "email address");
		va_strbuf_add(&b, " here. Could you give me the order number?");
	} else if (strcmp(status, "invalid") == 0)
		va_strbuf_add(&b, "To look up your order I need the order "
		    "number, or the phone number or email address you ordered "
		    "with.");
	else
		va_strbuf_add(&b, "I'm sorry, I can't reach our order system "
		    "right now. Please try again in a few minutes, or I can "
		    "put you through to a member of our team.");
	return va_strbuf_finish(&b);
}
