/*
 * llm.c - intents from an OpenAI-compatible chat completions endpoint
 * (see llm.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "http.h"
#include "llm.h"
#include "log.h"

#define SYSTEM_PROMPT \
	"You sort what a caller to a customer service line said into one " \
	"intent. Answer with a JSON object: \"intent\", exactly one of the " \
	"allowed labels (\"oos\" when none fits), and \"confidence\", how " \
	"sure you are from 0 to 1."

/* The response_format member: a JSON schema allowing only our answer. */
static json_t *
response_format(char *const *labels, int n)
{
	json_t *en, *intent, *conf, *props, *schema, *js, *rf;
	int i;

	en = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(en, json_string(labels[i]));
	intent = json_object();
	json_object_set_new(intent, "type", json_string("string"));
	json_object_set_new(intent, "enum", en);
	conf = json_object();
	json_object_set_new(conf, "type", json_string("number"));
	json_object_set_new(conf, "minimum", json_integer(0));
	json_object_set_new(conf, "maximum", json_integer(1));
	props = json_object();
	json_object_set_new(props, "intent", intent);
	json_object_set_new(props, "confidence", conf);
	schema = json_object();
	json_object_set_new(schema, "type", json_string("object"));
	json_object_set_new(schema, "properties", props);
	json_object_set_new(schema, "required",
	    json_pack("[ss]", "intent", "confidence"));
	json_object_set_new(schema, "additionalProperties", json_false());
	js = json_object();
	json_object_set_new(js, "name", json_string("intent"));
	json_object_set_new(js, "strict", json_true());
	json_object_set_new(js, "schema", schema);
	rf = json_object();
	json_object_set_new(rf, "type", json_string("json_schema"));
	json_object_set_new(rf, "json_schema", js);
	return rf;
}

/* The request body as a new string, or NULL when out of memory. */
static char *
request_body(const struct va_llm *lc, const char *text, char *const *labels,
    int n)
{
	json_t *root, *msgs;
	char *s;

	msgs = json_pack("[{s:s,s:s},{s:s,s:s}]", "role", "system",
	    "content", SYSTEM_PROMPT, "role", "user", "content", text);
	root = json_object();
	if (root == NULL || msgs == NULL) {
		json_decref(root);
		json_decref(msgs);
		return NULL;
	}
	json_object_set_new(root, "model", json_string(lc->model));
	json_object_set_new(root, "messages", msgs);
	json_object_set_new(root, "temperature", json_integer(0));
	json_object_set_new(root, "response_format",
	    response_format(labels, n));
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

static int
fail(const char **code, const char *c, char *msg, size_t cap,
    const char *what)
{
	*code = c;
	snprintf(msg, cap, "%s", what);
	return -1;
}

/* A failed exchange as a code and a message. */
static int
classify_failure(const struct va_http_resp *r, const char **code, char *msg,
    size_t cap)
{
	char what[512];

	if (r->status != 0)
		snprintf(what, sizeof(what), "HTTP %ld after %d tries",
		    r->status, r->tries);
	else
		snprintf(what, sizeof(what), "%s after %d tries",
		    r->error[0] ? r->error : "no answer", r->tries);
	switch (r->outcome) {
	case VA_HTTP_TIMEOUT:
		return fail(code, "llm_timeout", msg, cap, what);
	case VA_HTTP_UNREACHABLE:
		return fail(code, "llm_unreachable", msg, cap, what);
	case VA_HTTP_SERVER:
	case VA_HTTP_RATE_LIMITED:
		return fail(code, "llm_unavailable", msg, cap, what);
	case VA_HTTP_AUTH:
		return fail(code, "llm_auth", msg, cap, what);
	case VA_HTTP_NOT_FOUND:
	case VA_HTTP_CLIENT:
		return fail(code, "llm_rejected", msg, cap, what);
	default:
		return fail(code, "llm_protocol", msg, cap, what);
	}
}

/*
 * The answer in a chat completion: choices[0].message.content is itself
 * JSON, {"intent": ..., "confidence": ...}.
 */
static int
parse_answer(const char *body, size_t len, char *const *labels, int n,
    int *label, double *confidence, const char **code, char *msg,
    size_t cap)
{
	json_t *root, *ans = NULL, *v;
	json_error_t jerr;
	const char *content, *intent;
	double c;
	int i, rv = -1;

	if ((root = json_loadb(body, len, 0, &jerr)) == NULL) {
		snprintf(msg, cap, "answer is not JSON: %s", jerr.text);
		*code = "llm_protocol";
		return -1;
	}
	content = json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(root, "choices"), 0), "message"),
	    "content"));
	if (content == NULL) {
		fail(code, "llm_protocol", msg, cap,
		    "answer without choices[0].message.content");
		goto out;
	}
	if ((ans = json_loads(content, 0, &jerr)) == NULL) {
		snprintf(msg, cap, "content is not JSON: %s", jerr.text);
		*code = "llm_protocol";
		goto out;
	}
	intent = json_string_value(json_object_get(ans, "intent"));
	v = json_object_get(ans, "confidence");
	if (intent == NULL || !json_is_number(v)) {
		fail(code, "llm_protocol", msg, cap,
		    "content lacks intent or confidence");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (strcmp(labels[i], intent) == 0)
			break;
	if (i == n) {
		fail(code, "llm_protocol", msg, cap,
		    "intent is not one of the labels");
		goto out;
	}
	c = json_number_value(v);
	if (!isfinite(c)) {
		fail(code, "llm_protocol", msg, cap, "confidence not finite");
		goto out;
	}
	*label = i;
	*confidence = c < 0 ? 0 : c > 1 ? 1 : c;
	rv = 0;
out:
	json_decref(ans);
	json_decref(root);
	return rv;
}

int
va_llm_classify(struct va_http *http, const struct va_llm *lc,
    const char *text, char *const *labels, int nlabels, int *label,
    double *confidence, long *ms, const char **code, char *msg,
    size_t msgcap)
{
	struct va_http_req req;
	struct va_http_resp resp;
	const char *hdrs[3];
	char *url = NULL, *body = NULL, *auth = NULL;
	size_t ul, al = 0;
	int64_t t0 = va_mono_us();
	int rv = -1, nh = 0;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	ul = strlen(lc->url);
	while (ul > 0 && lc->url[ul - 1] == '/')
		ul--;
	if ((url = malloc(ul + sizeof("/v1/chat/completions"))) == NULL ||
	    (body = request_body(lc, text, labels, nlabels)) == NULL) {
		fail(code, "llm_protocol", msg, msgcap, "out of memory");
		goto out;
	}
	memcpy(url, lc->url, ul);
	strcpy(url + ul, "/v1/chat/completions");
	hdrs[nh++] = "Content-Type: application/json";
	if (lc->key != NULL) {
		al = strlen(lc->key) + sizeof("Authorization: Bearer ");
		if ((auth = malloc(al)) == NULL) {
			fail(code, "llm_protocol", msg, msgcap,
			    "out of memory");
			goto out;
		}
		snprintf(auth, al, "Authorization: Bearer %s", lc->key);
		hdrs[nh++] = auth;
	}
	hdrs[nh] = NULL;
	req.method = "POST";
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = strlen(body);
	/* Each try gets its share, so a retry still fits the budget. */
	req.max_tries = lc->tries > 0 ? lc->tries : 1;
	req.timeout_ms = lc->timeout_ms / req.max_tries;
	if (req.timeout_ms < 1)
		req.timeout_ms = 1;
	req.total_budget_ms = lc->timeout_ms;
	req.connect_timeout_ms = req.timeout_ms < 3000 ? req.timeout_ms :
	    3000;
	req.backoff_base_ms = 100;
	req.backoff_max_ms = 1000;
	if (va_http_do(http, &req, &resp) < 0 || resp.outcome != VA_HTTP_OK) {
		classify_failure(&resp, code, msg, msgcap);
		goto out;
	}
	rv = parse_answer(resp.body, resp.body_len, labels, nlabels, label,
	    confidence, code, msg, msgcap);
out:
	*ms = (long)((va_mono_us() - t0) / 1000);
	va_http_resp_free(&resp);
	free(url);
	free(body);
	if (auth != NULL) {
		memset(auth, 0, al);
		free(auth);
	}
	return rv;
}
