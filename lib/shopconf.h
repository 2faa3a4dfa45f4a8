/*
 * shopconf.h - the stores va-order answers for, from one JSON file, and
 * which store a call goes to.
 *
 *   {
 *     "default": "main",
 *     "stores": [
 *       {"name": "main", "backend": "shopify",
 *        "url": "https://acme.myshopify.com", "api_version": "2025-10",
 *        "token_env": "ACME_SHOPIFY_TOKEN", "rate": 2, "burst": 40},
 *       {"name": "eu", "backend": "magento", "url": "https://eu.acme.com",
 *        "store_code": "default", "token_env": "EU_MAGENTO_TOKEN"},
 *       {"name": "blog", "backend": "woocommerce",
 *        "url": "https://shop.acme.org", "key_env": "WOO_KEY",
 *        "secret_env": "WOO_SECRET", "auth": "basic"},
 *       {"name": "bc", "backend": "bigcommerce",
 *        "url": "https://api.bigcommerce.com/stores/abc123",
 *        "token_env": "BC_TOKEN"},
 *       {"name": "archive", "backend": "local"}
 *     ],
 *     "routes": [ {"call_prefix": "eu-", "store": "eu"} ]
 *   }
 *
 * Per store also: timeout_ms (per try), connect_timeout_ms, tries,
 * budget_ms (a whole lookup), cache_ttl_ms (0: no cache), stale_ms,
 * breaker_threshold, breaker_cooldown_ms; the rest default from the
 * program's options. "${NAME}" in a url is replaced by that environment
 * variable. Secrets never appear in the file: *_env names the environment
 * variable that holds each one, or NAME_FILE a file holding it.
 *
 * Routing (va_shops_route): the action's params.store names the store;
 * else the first route whose call_prefix starts the call id; else the
 * default store (the first one when "default" is absent).
 */
#ifndef VA_SHOPCONF_H
#define VA_SHOPCONF_H

#include <stddef.h>

#include "shop.h"

struct va_shop_route {
	char	*prefix;
	struct va_shop *shop;
};

struct va_shops {
	struct va_shop **v;
	size_t	n;
	struct va_shop *def;
	struct va_shop_route *routes;
	size_t	nroutes;
};

/* Defaults for what a store entry leaves out (from the options). */
struct va_shop_defaults {
	long	timeout_ms;
	int	tries;
	long	budget_ms;
	int64_t	ttl_ms;
	int	breaker_threshold;
	int64_t	breaker_cooldown_ms;
};

/*
 * Load the file at path; NULL when it cannot be read, is not valid, or a
 * secret it names is not set (logged, diag "stores_config"; exit 78).
 */
struct va_shops *va_shops_load(const char *path,
	    const struct va_shop_defaults *);
/* One local store of that name (no file); NULL on no memory. */
struct va_shops *va_shops_local(const char *name,
	    const struct va_shop_defaults *);
void	va_shops_free(struct va_shops *);

/* The store named name, or NULL. */
struct va_shop *va_shops_find(const struct va_shops *, const char *name);
/* The store for a lookup, as above; NULL when store names no store. */
struct va_shop *va_shops_route(const struct va_shops *, const char *store,
	    const char *call);

#endif
