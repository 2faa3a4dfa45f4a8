/*
 * shopconf.c - the stores file: parsing, secrets from the environment,
 * routing a call to its store (see shopconf.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "shopconf.h"

#define SECRET_MAX	8192

static const char *const known[] = { "name", "backend", "url",
	"api_version", "store_code", "auth", "token_env", "key_env",
	"secret_env", "rate", "burst", "timeout_ms", "connect_timeout_ms",
	"tries", "budget_ms", "cache_ttl_ms", "stale_ms", "breaker_threshold",
	"breaker_cooldown_ms", NULL };

static int bad(const char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad(const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	va_log(VA_ERROR, "stores_config", "%s: %s", path, msg);
	return -1;
}

/* The secret in the variable named var, or in the file named by var_FILE. */
static char *
secret(const char *var)
{
	char fvar[256], *buf;
	const char *v;
	size_t n;
	FILE *fp;

	if ((v = getenv(var)) != NULL && *v != '\0')
		return strdup(v);
	snprintf(fvar, sizeof(fvar), "%s_FILE", var);
	if ((v = getenv(fvar)) == NULL || *v == '\0')
		return NULL;
	if ((fp = fopen(v, "r")) == NULL) {
		va_log(VA_ERROR, "secret_file", "%s names %s: %s", fvar, v,
		    strerror(errno));
		return NULL;
	}
	if ((buf = malloc(SECRET_MAX)) != NULL) {
		n = fread(buf, 1, SECRET_MAX - 1, fp);
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		buf[n] = '\0';
	}
	fclose(fp);
	return buf;
}

static int
get_secret(const char *path, const json_t *e, const char *member,
    const char *store, char **dst)
{
	const char *var = json_string_value(json_object_get(e, member));

	if (var == NULL)
		return bad(path, "store %s: %s (the name of the environment "
		    "variable holding the secret) is required", store, member);
	if ((*dst = secret(var)) == NULL || **dst == '\0')
		return bad(path, "store %s: secret %s is not set (nor its "
		    "_FILE)", store, var);
	return 0;
}

/* url with each ${NAME} replaced from the environment; new, or NULL. */
static char *
expand(const char *path, const char *url)
{
	char out[2048], name[128];
	const char *p, *end, *v;
	size_t n = 0, k;

	for (p = url; *p != '\0';) {
		end = p[0] == '$' && p[1] == '{' ? strchr(p, '}') : NULL;
		if (end != NULL) {
			k = (size_t)(end - p - 2);
			if (k >= sizeof(name))
				k = sizeof(name) - 1;
			memcpy(name, p + 2, k);
			name[k] = '\0';
			if ((v = getenv(name)) == NULL) {
				bad(path, "url names ${%s}, which is not set",
				    name);
				return NULL;
			}
			p = end + 1;
		} else {
			v = p++;
			k = 1;
			if (n + 1 >= sizeof(out))
				return NULL;
			out[n++] = *v;
			continue;
		}
		k = strlen(v);
		if (n + k >= sizeof(out))
			return NULL;
		memcpy(out + n, v, k);
		n += k;
	}
	while (n > 0 && out[n - 1] == '/')
		n--;
	out[n] = '\0';
	return strdup(out);
}

static int
num_member(const char *path, const json_t *e, const char *key,
    const char *store, double lo, double hi, double *out)
{
	const json_t *v = json_object_get(e, key);

	if (v == NULL)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < lo ||
	    json_number_value(v) > hi)
		return bad(path, "store %s: %s is not a number in range",
		    store, key);
	*out = json_number_value(v);
	return 0;
}

static struct va_shop *
shop_from(const char *path, const json_t *e,
    const struct va_shop_defaults *d)
{
	const struct va_shop_backend *b;
	struct va_shop *s;
	const char *name, *be, *url, *auth, *key;
	double x;
	json_t *v, *obj;

	if (!json_is_object(e)) {
		bad(path, "each store is an object");
		return NULL;
	}
	/* jansson's iteration macro wants a mutable object. */
	memcpy(&obj, &e, sizeof(obj));
	name = json_string_value(json_object_get(e, "name"));
	be = json_string_value(json_object_get(e, "backend"));
	if (name == NULL || *name == '\0') {
		bad(path, "a store has no name");
		return NULL;
	}
	json_object_foreach(obj, key, v) {
		size_t i;

		for (i = 0; known[i] != NULL; i++)
			if (strcmp(known[i], key) == 0)
				break;
		if (known[i] == NULL) {
			bad(path, "store %s: unknown member %s", name, key);
			return NULL;
		}
	}
	if ((b = va_shop_backend_find(be)) == NULL) {
		bad(path, "store %s: backend %s is not one of local, shopify, "
		    "magento, woocommerce, bigcommerce", name,
		    be ? be : "(none)");
		return NULL;
	}
	if ((s = va_shop_new(name, b)) == NULL)
		return NULL;
	s->timeout_ms = d->timeout_ms;
	s->tries = d->tries;
	s->budget_ms = d->budget_ms;
	s->ttl_ms = d->ttl_ms;
	s->breaker.threshold = d->breaker_threshold;
	s->breaker.cooldown_ms = d->breaker_cooldown_ms;
	if (b == &va_shop_local)
		return s;
	url = json_string_value(json_object_get(e, "url"));
	if (url == NULL || (s->url = expand(path, url)) == NULL ||
	    (strncmp(s->url, "http://", 7) != 0 &&
	    strncmp(s->url, "https://", 8) != 0)) {
		bad(path, "store %s: url must be an http or https URL",
		    name);
		goto fail;
	}
	if (va_order_set(&s->api_version, json_string_value(json_object_get(e,
	    "api_version"))) == -1 ||
	    va_order_set(&s->store_code, json_string_value(json_object_get(e,
	    "store_code"))) == -1)
		goto fail;
	if ((auth = json_string_value(json_object_get(e, "auth"))) != NULL) {
		if (strcmp(auth, "basic") == 0)
			s->auth = VA_SHOP_AUTH_BASIC;
		else if (strcmp(auth, "oauth") == 0)
			s->auth = VA_SHOP_AUTH_OAUTH;
		else {
			bad(path, "store %s: auth is basic or oauth, not %s",
			    name, auth);
			goto fail;
		}
	}
	if (b == &va_shop_woo) {
		if (get_secret(path, e, "key_env", name, &s->key) == -1 ||
		    get_secret(path, e, "secret_env", name, &s->secret) == -1)
			goto fail;
	} else if (get_secret(path, e, "token_env", name, &s->token) == -1)
		goto fail;
	if (num_member(path, e, "rate", name, 0.01, 10000, &s->rate) == -1 ||
	    num_member(path, e, "burst", name, 1, 100000, &s->burst) == -1)
		goto fail;
#define INT_MEMBER(key, field, lo, hi) do {				\
	x = (double)s->field;						\
	if (num_member(path, e, key, name, lo, hi, &x) == -1)		\
		goto fail;						\
	s->field = x;							\
} while (0)
	INT_MEMBER("timeout_ms", timeout_ms, 1, 600000);
	INT_MEMBER("connect_timeout_ms", connect_timeout_ms, 1, 600000);
	INT_MEMBER("tries", tries, 1, 10);
	INT_MEMBER("budget_ms", budget_ms, 1, 600000);
	INT_MEMBER("cache_ttl_ms", ttl_ms, 0, 86400000LL * 30);
	INT_MEMBER("stale_ms", stale_ms, 0, 86400000LL * 30);
	INT_MEMBER("breaker_threshold", breaker.threshold, 1, 1000);
	INT_MEMBER("breaker_cooldown_ms", breaker.cooldown_ms, 1, 86400000);
#undef INT_MEMBER
	return s;
fail:
	va_shop_free(s);
	return NULL;
}

static int
routes_from(const char *path, struct va_shops *ss, const json_t *arr)
{
	const json_t *r;
	const char *pre, *store;
	size_t i;

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr))
		return bad(path, "routes is an array");
	if ((ss->routes = calloc(json_array_size(arr) + 1,
	    sizeof(*ss->routes))) == NULL)
		return -1;
	json_array_foreach(arr, i, r) {
		pre = json_string_value(json_object_get(r, "call_prefix"));
		store = json_string_value(json_object_get(r, "store"));
		if (pre == NULL || store == NULL)
			return bad(path, "a route needs call_prefix and "
			    "store");
		if ((ss->routes[ss->nroutes].shop = va_shops_find(ss, store)) ==
		    NULL)
			return bad(path, "route %s: no store named %s", pre,
			    store);
		if ((ss->routes[ss->nroutes].prefix = strdup(pre)) == NULL)
			return -1;
		ss->nroutes++;
	}
	return 0;
}

struct va_shops *
va_shops_load(const char *path, const struct va_shop_defaults *d)
{
	struct va_shops *ss;
	json_error_t err;
	const json_t *arr, *e;
	const char *def;
	json_t *j;
	size_t i;

	if ((j = json_load_file(path, 0, &err)) == NULL) {
		va_log(VA_ERROR, "stores_config", "%s:%d: %s", path, err.line,
		    err.text);
		return NULL;
	}
	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		goto fail;
	arr = json_object_get(j, "stores");
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		bad(path, "stores is a non-empty array");
		goto fail;
	}
	if ((ss->v = calloc(json_array_size(arr), sizeof(*ss->v))) == NULL)
		goto fail;
	json_array_foreach(arr, i, e) {
		if ((ss->v[ss->n] = shop_from(path, e, d)) == NULL)
			goto fail;
		if (va_shops_find(ss, ss->v[ss->n]->name) != NULL) {
			bad(path, "two stores are named %s",
			    ss->v[ss->n]->name);
			ss->n++;
			goto fail;
		}
		ss->n++;
	}
	def = json_string_value(json_object_get(j, "default"));
	ss->def = def != NULL ? va_shops_find(ss, def) : ss->v[0];
	if (ss->def == NULL) {
		bad(path, "default names no store: %s", def);
		goto fail;
	}
	if (routes_from(path, ss, json_object_get(j, "routes")) == -1)
		goto fail;
	json_decref(j);
	return ss;
fail:
	json_decref(j);
	va_shops_free(ss);
	return NULL;
}

struct va_shops *
va_shops_local(const char *name, const struct va_shop_defaults *d)
{
	struct va_shops *ss;

	if ((ss = calloc(1, sizeof(*ss))) == NULL ||
	    (ss->v = calloc(1, sizeof(*ss->v))) == NULL ||
	    (ss->v[0] = va_shop_new(name, &va_shop_local)) == NULL) {
		va_shops_free(ss);
		return NULL;
	}
	ss->n = 1;
	ss->def = ss->v[0];
	(void)d;
	return ss;
}

void
va_shops_free(struct va_shops *ss)
{
	size_t i;

	if (ss == NULL)
		return;
	for (i = 0; i < ss->n; i++)
		va_shop_free(ss->v[i]);
	for (i = 0; i < ss->nroutes; i++)
		free(ss->routes[i].prefix);
	free(ss->routes);
	free(ss->v);
	free(ss);
}

struct va_shop *
va_shops_find(const struct va_shops *ss, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < ss->n; i++)
		if (strcmp(ss->v[i]->name, name) == 0)
			return ss->v[i];
	return NULL;
}

struct va_shop *
va_shops_route(const struct va_shops *ss, const char *store,
    const char *call)
{
	size_t i;

	if (store != NULL)
		return va_shops_find(ss, store);
	for (i = 0; call != NULL && i < ss->nroutes; i++)
		if (strncmp(call, ss->routes[i].prefix,
		    strlen(ss->routes[i].prefix)) == 0)
			return ss->routes[i].shop;
	return ss->def;
}
