/*
 * t_shop.c - the shop layer without a network: HMAC-SHA1, WooCommerce's
 * OAuth 1.0a signature (against Python's hmac), query normalisation, the
 * stores file and routing, and the local backend through a real store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "hmac.h"
#include "log.h"
#include "shop.h"
#include "shopconf.h"
#include "store.h"
#include "tap.h"

static void
hmac_vectors(void)
{
	unsigned char mac[VA_HMAC_SHA1_LEN];
	char b64[64];

	va_hmac_sha1("key", 3, "The quick brown fox jumps over the lazy dog",
	    43, mac);
	va_b64_encode(mac, sizeof(mac), b64);
	is_str(b64, "3nybhbi3iqa8ino29wqQcBydtNk=", "HMAC-SHA1 known answer");
}

static void
oauth(void)
{
	char *q;

	q = va_shop_oauth1_query("GET",
	    "http://shop.example/wp-json/wc/v3/orders",
	    "search=a%40b.com&per_page=1", "ck_k", "cs_s", 1700000000LL,
	    "n0nce");
	is_str(q, "search=a%40b.com&per_page=1&oauth_consumer_key=ck_k"
	    "&oauth_nonce=n0nce&oauth_signature=1nplnGpoAO8EBL1MyQlHsp5CQJ4%3D"
	    "&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1700000000",
	    "signature matches the reference (sorted, encoded, secret&)");
	free(q);
}

static void
queries(void)
{
	struct va_shop_query q = { "# 10-234", NULL, NULL };
	char n[128], p[128], e[128];

	is_str(va_shop_query_norm(&q, n, p, e), "number", "number wins");
	is_str(q.number, "10234", "number without # spaces dashes");
	q.number = "##";
	q.phone = "+1 (555) 010-2030";
	is_str(va_shop_query_norm(&q, n, p, e), "phone", "then the phone");
	is_str(q.phone, "15550102030", "phone digits");
	q.number = q.phone = NULL;
	q.email = "Jane@Example.COM";
	is_str(va_shop_query_norm(&q, n, p, e), "email", "then the email");
	is_str(q.email, "jane@example.com", "email lower-cased");
	q.email = "no-at-sign";
	ok(va_shop_query_norm(&q, n, p, e) == NULL, "nothing usable");
}

static void
config(const char *dir)
{
	struct va_shop_defaults d = { 3000, 3, 8000, 300000, 5, 30000 };
	struct va_shops *ss;
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/stores.json", dir);
	fp = fopen(path, "w");
	fputs("{\"default\":\"b\",\"stores\":["
	    "{\"name\":\"a\",\"backend\":\"shopify\","
	    "\"url\":\"https://${T_SHOP_HOST}/\",\"token_env\":\"T_TOK\","
	    "\"rate\":4,\"timeout_ms\":500},"
	    "{\"name\":\"b\",\"backend\":\"local\"}],"
	    "\"routes\":[{\"call_prefix\":\"eu-\",\"store\":\"a\"}]}", fp);
	fclose(fp);
	setenv("T_SHOP_HOST", "acme.myshopify.com", 1);
	unsetenv("T_TOK");
	ok(va_shops_load(path, &d) == NULL,
	    "a missing secret refuses the file");
	setenv("T_TOK", "shpat_x", 1);
	ss = va_shops_load(path, &d);
	ok(ss != NULL, "file loads");
	if (ss == NULL)
		return;
	is_str(ss->v[0]->url, "https://acme.myshopify.com",
	    "${VAR} expanded, trailing slash dropped");
	is_str(ss->v[0]->token, "shpat_x", "secret from the variable named");
	is_int(ss->v[0]->timeout_ms, 500, "per-store timeout");
	is_int(ss->v[0]->tries, 3, "default tries from the options");
	ok(ss->v[0]->rate == 4, "per-store rate");
	is_str(va_shops_route(ss, NULL, "eu-123")->name, "a", "call prefix");
	is_str(va_shops_route(ss, NULL, "us-123")->name, "b", "default store");
	is_str(va_shops_route(ss, "a", "us-1")->name, "a", "params.store wins");
	ok(va_shops_route(ss, "zz", NULL) == NULL, "unknown store");
	va_shops_free(ss);
}

static void
local(const char *dir)
{
	struct va_shop_defaults d = { 3000, 3, 8000, 300000, 5, 30000 };
	struct va_shop_query q = { NULL, NULL, NULL };
	struct va_shop_answer a;
	struct va_shops *ss;
	struct va_store *db;
	struct va_order o;
	char path[256];

	snprintf(path, sizeof(path), "%s/va.db", dir);
	db = va_store_open(path);
	ss = va_shops_local("local", &d);
	is_int(va_shop_open(ss->v[0], db), 0, "local store opens");
	va_order_init(&o);
	va_order_set(&o.number, "#555");
	va_order_set(&o.status, "processing");
	va_order_set(&o.phone, "+1 555 010 2030");
	is_int(va_shop_local_put(db, "local", &o), 0, "order stored");
	va_order_free(&o);
	q.number = "555";
	va_shop_lookup(ss->v[0], &q, &a);
	is_int(a.status, VA_SHOP_OK, "found by number");
	is_str(a.order.number, "555", "number kept");
	va_shop_answer_free(&a);
	q.number = NULL;
	q.phone = "555-010-2030";
	va_shop_lookup(ss->v[0], &q, &a);
	is_int(a.status, VA_SHOP_OK, "found by the last ten digits");
	va_shop_answer_free(&a);
	q.phone = "999-999-9999";
	va_shop_lookup(ss->v[0], &q, &a);
	is_int(a.status, VA_SHOP_NOT_FOUND, "unknown phone");
	va_shop_answer_free(&a);
	q.phone = NULL;
	va_shop_lookup(ss->v[0], &q, &a);
	is_int(a.status, VA_SHOP_INVALID, "nothing to look up");
	va_shop_answer_free(&a);
	va_shops_free(ss);
	va_store_close(db);
}

int
main(void)
{
	char dir[] = "/tmp/t_shop.XXXXXX", cmd[64];

	va_log_init("t_shop");
	if (mkdtemp(dir) == NULL)
		return 1;
	hmac_vectors();
	oauth();
	queries();
	config(dir);
	local(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return tap_done();
}
