/*
 * asr_remote.c - remote speech recognizers (see asr_remote.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "asr.h"
#include "asr_remote.h"
#include "http.h"
#include "log.h"
#include "strbuf.h"

/* A fixed boundary keeps requests byte for byte the same in tests. */
#define BOUNDARY	"va-asr-7f3a9c2e1b"

static void
field(struct va_strbuf *b, const char *name, const char *val)
{
	va_strbuf_add(b, "--" BOUNDARY "\r\nContent-Disposition: form-data;"
	    " name=\"");
	va_strbuf_add(b, name);
	va_strbuf_add(b, "\"\r\n\r\n");
	va_strbuf_add(b, val);
	va_strbuf_add(b, "\r\n");
}

static void
fail(const char **code, const char *c, char *msg, size_t cap,
    const char *what)
{
	*code = c;
	snprintf(msg, cap, "%s", what);
}

static int
classify(const struct va_http_resp *r, const char **code, char *msg,
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
	case VA_HTTP_OK:
		return 0;
	case VA_HTTP_TIMEOUT:
		fail(code, "engine_timeout", msg, cap, what);
		break;
	case VA_HTTP_UNREACHABLE:
		fail(code, "engine_unreachable", msg, cap, what);
		break;
	case VA_HTTP_SERVER:
	case VA_HTTP_RATE_LIMITED:
		fail(code, "engine_unavailable", msg, cap, what);
		break;
	case VA_HTTP_AUTH:
		fail(code, "engine_auth", msg, cap, what);
		break;
	case VA_HTTP_NOT_FOUND:
	case VA_HTTP_CLIENT:
		fail(code, "engine_rejected", msg, cap, what);
		break;
	default:
		fail(code, "engine_protocol", msg, cap, what);
		break;
	}
	return -1;
}

static double
num(json_t *o, const char *key, double def)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : def;
}

static int64_t
ms(double s)
{
	return (int64_t)llround(s * 1000.0);
}

/* Copy s without leading and trailing blanks. */
static int
set_text(struct va_asr_result *res, const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\n' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' ||
	    s[n - 1] == '\t'))
		n--;
	return va_asr_result_text(res, s, n);
}

static int
parse_openai(json_t *root, struct va_asr_result *res)
{
	json_t *words, *segs, *w, *s;
	const char *text;
	double sum = 0;
	size_t i, n = 0;

	text = json_string_value(json_object_get(root, "text"));
	if (text == NULL)
		return -1;
	words = json_object_get(root, "words");
	json_array_foreach(words, i, w) {
		const char *ws = json_string_value(json_object_get(w, "word"));

		if (ws == NULL)
			continue;
		while (*ws == ' ')
			ws++;
		if (va_asr_result_add(res, ws, strlen(ws),
		    ms(num(w, "start", 0)), ms(num(w, "end", 0)), -1) < 0)
			return -1;
	}
	segs = json_object_get(root, "segments");
	json_array_foreach(segs, i, s) {
		json_t *lp = json_object_get(s, "avg_logprob");

		if (json_is_number(lp)) {
			sum += json_number_value(lp);
			n++;
		}
	}
	res->confidence = n > 0 ? exp(sum / (double)n) : -1;
	return set_text(res, text);
}

static int
parse_deepgram(json_t *root, struct va_asr_result *res)
{
	json_t *alt, *words, *w;
	const char *text;
	size_t i;

	alt = json_array_get(json_object_get(json_array_get(json_object_get(
	    json_object_get(root, "results"), "channels"), 0),
	    "alternatives"), 0);
	if ((text = json_string_value(json_object_get(alt, "transcript"))) ==
	    NULL)
		return -1;
	res->confidence = num(alt, "confidence", -1);
	words = json_object_get(alt, "words");
	json_array_foreach(words, i, w) {
		const char *ws = json_string_value(json_object_get(w, "word"));

		if (ws == NULL)
			continue;
		if (va_asr_result_add(res, ws, strlen(ws),
		    ms(num(w, "start", 0)), ms(num(w, "end", 0)),
		    num(w, "confidence", -1)) < 0)
			return -1;
	}
	return set_text(res, text);
}

int
va_asr_remote_run(struct va_http *http, const struct va_asr_remote *rc,
    const unsigned char *wav, size_t len, struct va_asr_result *res,
    const char **code, char *msg, size_t msgcap)
{
	struct va_http_req req;
	struct va_http_resp resp;
	struct va_strbuf url = { 0 }, body = { 0 }, auth = { 0 };
	const char *hdrs[4];
	json_t *root;
	json_error_t jerr;
	char *esc;
	int rv = -1, nh = 0;

	va_asr_result_free(res);
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	va_strbuf_add(&url, rc->url);
	if (url.len > 0 && url.s[url.len - 1] == '/')
		url.s[--url.len] = '\0';
	if (rc->api == VA_ASR_OPENAI) {
		va_strbuf_add(&url, "/v1/audio/transcriptions");
		va_strbuf_add(&body, "--" BOUNDARY "\r\nContent-Disposition:"
		    " form-data; name=\"file\"; filename=\"audio.wav\"\r\n"
		    "Content-Type: audio/wav\r\n\r\n");
		va_strbuf_addn(&body, (const char *)wav, len);
		va_strbuf_add(&body, "\r\n");
		field(&body, "model", rc->model);
		field(&body, "response_format", "verbose_json");
		field(&body, "timestamp_granularities[]", "word");
		field(&body, "timestamp_granularities[]", "segment");
		if (rc->language != NULL)
			field(&body, "language", rc->language);
		if (rc->prompt != NULL)
			field(&body, "prompt", rc->prompt);
		va_strbuf_add(&body, "--" BOUNDARY "--\r\n");
		hdrs[nh++] = "Content-Type: multipart/form-data; boundary="
		    BOUNDARY;
		if (rc->key != NULL) {
			va_strbuf_add(&auth, "Authorization: Bearer ");
			va_strbuf_add(&auth, rc->key);
		}
	} else {
		va_strbuf_add(&url, "/v1/listen?model=");
		if ((esc = va_http_escape(rc->model)) != NULL) {
			va_strbuf_add(&url, esc);
			free(esc);
		}
		if (rc->language != NULL &&
		    (esc = va_http_escape(rc->language)) != NULL) {
			va_strbuf_add(&url, "&language=");
			va_strbuf_add(&url, esc);
			free(esc);
		}
		va_strbuf_add(&url, "&punctuate=false");
		va_strbuf_addn(&body, (const char *)wav, len);
		hdrs[nh++] = "Content-Type: audio/wav";
		if (rc->key != NULL) {
			va_strbuf_add(&auth, "Authorization: Token ");
			va_strbuf_add(&auth, rc->key);
		}
	}
	if (auth.s != NULL)
		hdrs[nh++] = auth.s;
	hdrs[nh] = NULL;
	if (url.oom || body.oom || auth.oom) {
		fail(code, "engine_protocol", msg, msgcap, "out of memory");
		goto out;
	}
	req.method = "POST";
	req.url = url.s;
	req.headers = hdrs;
	req.body = body.s;
	req.body_len = body.len;
	/* Each try gets its share, so a retry still fits the budget. */
	req.timeout_ms = rc->timeout_ms / (rc->tries > 1 ? rc->tries : 1);
	req.total_budget_ms = rc->timeout_ms;
	req.connect_timeout_ms = rc->timeout_ms < 3000 ? rc->timeout_ms : 3000;
	req.max_tries = rc->tries;
	if (va_http_do(http, &req, &resp) < 0 || resp.outcome != VA_HTTP_OK) {
		classify(&resp, code, msg, msgcap);
		goto out;
	}
	if ((root = json_loadb(resp.body, resp.body_len, 0, &jerr)) == NULL) {
		snprintf(msg, msgcap, "answer is not JSON: %s", jerr.text);
		*code = "engine_protocol";
		goto out;
	}
	rv = rc->api == VA_ASR_OPENAI ? parse_openai(root, res) :
	    parse_deepgram(root, res);
	json_decref(root);
	if (rv < 0) {
		va_asr_result_free(res);
		fail(code, "engine_protocol", msg, msgcap,
		    "answer lacks the transcript");
	}
out:
	va_http_resp_free(&resp);
	free(url.s);
	free(body.s);
	if (auth.s != NULL) {
		memset(auth.s, 0, auth.len);
		free(auth.s);
	}
	return rv;
}
