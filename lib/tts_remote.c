/*
 * tts_remote.c - OpenAI-compatible /v1/audio/speech over lib/http.c (see
 * tts_remote.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "tts_remote.h"

#define PCM_RATE	24000	/* OpenAI's "pcm" response format */

char *
va_tts_remote_endpoint(const char *url)
{
	static const char *const tails[] = { "/v1/audio/speech",
		"/audio/speech", "" };
	size_t n = strlen(url);
	char *s;
	int k;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n >= 13 && memcmp(url + n - 13, "/audio/speech", 13) == 0)
		k = 2;
	else if (n >= 3 && memcmp(url + n - 3, "/v1", 3) == 0)
		k = 1;
	else
		k = 0;
	if ((s = malloc(n + strlen(tails[k]) + 1)) == NULL)
		return NULL;
	memcpy(s, url, n);
	strcpy(s + n, tails[k]);
	return s;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static float *
s16_to_mono(const unsigned char *p, size_t bytes, unsigned channels,
    size_t *frames)
{
	size_t n = bytes / 2 / channels, i;
	unsigned c;
	float *pcm, s;

	if ((pcm = malloc((n + 1) * sizeof(*pcm))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s = 0;
		for (c = 0; c < channels; c++)
			s += (int16_t)le16(p + 2 * (i * channels + c));
		pcm[i] = s / (32768.0f * (float)channels);
	}
	*frames = n;
	return pcm;
}

float *
va_tts_remote_decode(const void *buf, size_t len, size_t *frames, int *rate)
{
	const unsigned char *p = buf, *fmt = NULL;
	size_t off, cl;

	*frames = 0;
	if (len < 12 || memcmp(p, "RIFF", 4) != 0) {
		/* Raw PCM: an even number of bytes, nothing else to check. */
		if (len == 0 || len % 2 != 0 || (len >= 1 && p[0] == '{'))
			return NULL;
		*rate = PCM_RATE;
		return s16_to_mono(p, len, 1, frames);
	}
	if (memcmp(p + 8, "WAVE", 4) != 0)
		return NULL;
	for (off = 12; off + 8 <= len; off += 8 + cl + (cl & 1)) {
		cl = le32(p + off + 4);
		if (memcmp(p + off, "fmt ", 4) == 0 && cl >= 16 &&
		    off + 8 + cl <= len)
			fmt = p + off + 8;
		else if (memcmp(p + off, "data", 4) == 0 && fmt != NULL) {
			/* Streamed wavs may say 0 or 0xffffffff: take the rest. */
			if (cl == 0 || cl > len - off - 8)
				cl = len - off - 8;
			if ((le16(fmt) != 1 && le16(fmt) != 0xfffe) ||
			    le16(fmt + 14) != 16 || le16(fmt + 2) == 0 ||
			    le32(fmt + 4) < 1000 || le32(fmt + 4) > 192000)
				return NULL;
			*rate = (int)le32(fmt + 4);
			return s16_to_mono(p + off + 8, cl, le16(fmt + 2),
			    frames);
		}
	}
	return NULL;
}

static void fail(struct va_tts_remote_err *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct va_tts_remote_err *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

float *
va_tts_remote_synth(struct va_http *http, const struct va_tts_remote *o,
    const char *text, size_t *frames, int *rate,
    struct va_tts_remote_err *err)
{
	struct va_http_req req;
	struct va_http_resp resp;
	const char *hdrs[4];
	char *url = NULL, *body = NULL, *auth = NULL;
	json_t *j;
	float *pcm = NULL;
	size_t n;

	*frames = 0;
	err->code = NULL;
	err->msg[0] = '\0';
	memset(&resp, 0, sizeof(resp));
	j = json_pack("{s:s, s:s, s:s, s:s}", "model", o->model, "input", text,
	    "voice", o->voice, "response_format", "wav");
	if (j != NULL)
		body = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	url = va_tts_remote_endpoint(o->url);
	n = strlen("Authorization: Bearer ") + (o->key ? strlen(o->key) : 0);
	if (body == NULL || url == NULL || (auth = malloc(n + 1)) == NULL) {
		fail(err, "tts_internal", "out of memory");
		goto out;
	}
	snprintf(auth, n + 1, "Authorization: Bearer %s", o->key ? o->key : "");
	hdrs[0] = "Content-Type: application/json";
	hdrs[1] = "Accept: audio/wav";
	hdrs[2] = o->key != NULL ? auth : NULL;
	hdrs[3] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = strlen(body);
	req.timeout_ms = o->timeout_ms;
	req.connect_timeout_ms = o->timeout_ms < 3000 ? o->timeout_ms : 3000;
	req.total_budget_ms = o->budget_ms;
	req.max_tries = o->max_tries;
	if (va_http_do(http, &req, &resp) < 0) {
		if (resp.outcome == VA_HTTP_TIMEOUT)
			fail(err, "tts_timeout", "no answer in time "
			    "(%d tries)", resp.tries);
		else
			fail(err, "tts_unavailable", "%.200s (%d tries)",
			    resp.error[0] ? resp.error : "unreachable",
			    resp.tries);
		goto out;
	}
	switch (resp.outcome) {
	case VA_HTTP_OK:
		break;
	case VA_HTTP_AUTH:
		fail(err, "tts_auth", "key rejected (HTTP %ld)",
		    resp.status);
		goto out;
	case VA_HTTP_RATE_LIMITED:
		fail(err, "tts_rate_limited", "rate limited (HTTP %ld)",
		    resp.status);
		goto out;
	case VA_HTTP_SERVER:
	case VA_HTTP_UNREACHABLE:
		fail(err, "tts_unavailable", "server error (HTTP %ld)",
		    resp.status);
		goto out;
	case VA_HTTP_TIMEOUT:
		fail(err, "tts_timeout", "no answer in time (HTTP %ld)",
		    resp.status);
		goto out;
	default:
		fail(err, "tts_rejected", "request rejected (HTTP %ld)",
		    resp.status);
		goto out;
	}
	if ((pcm = va_tts_remote_decode(resp.body, resp.body_len, frames,
	    rate)) == NULL)
		fail(err, "tts_bad_audio", "the answer is not wav or pcm "
		    "audio (%zu bytes)", resp.body_len);
out:
	if (err->code != NULL)
		va_log(VA_WARN, err->code, "%s: %s", url ? url : "?", err->msg);
	va_http_resp_free(&resp);
	free(url);
	free(body);
	if (auth != NULL) {
		memset(auth, 0, n);
		free(auth);
	}
	return pcm;
}
