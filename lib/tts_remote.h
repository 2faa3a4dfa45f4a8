/*
 * tts_remote.h - a remote speech synthesizer over HTTP: the
 * OpenAI-compatible POST /v1/audio/speech (served by OpenAI and by local
 * servers such as openedai-speech, Kokoro-FastAPI and LocalAI).
 *
 * Request: JSON {"model", "input", "voice", "response_format":"wav"} with
 * "Authorization: Bearer <key>"; the reply is the audio itself. The wav is
 * decoded here (16-bit PCM; a server answering raw bytes without a RIFF
 * header is taken as 24 kHz 16-bit PCM, OpenAI's "pcm"). Timeouts, retries
 * and Retry-After come from lib/http.c.
 *
 * Errors are classified into stable codes for error events:
 *   tts_auth          401 or 403: the key was rejected
 *   tts_rate_limited  429 after the retries
 *   tts_timeout       no answer in time after the retries
 *   tts_unavailable   5xx after the retries, or the server unreachable
 *   tts_rejected      another 4xx (bad model or voice, input too long)
 *   tts_bad_audio     a 2xx whose body is not audio we can read
 * Ownership: the options are borrowed; samples returned are new (free()).
 */
#ifndef VA_TTS_REMOTE_H
#define VA_TTS_REMOTE_H

#include <stddef.h>

#include "http.h"

struct va_tts_remote {
	const char *url;	/* base ("http://h:8000", ".../v1") or full */
	const char *key;	/* bearer token, a secret; may be NULL */
	const char *model;	/* e.g. "tts-1" */
	const char *voice;	/* e.g. "alloy" */
	long	timeout_ms;	/* per try */
	long	budget_ms;	/* whole exchange, retries included */
	int	max_tries;
};

struct va_tts_remote_err {
	const char *code;	/* static, one of the codes above */
	char	msg[256];
};

/*
 * Synthesize text; returns new mono float samples (*frames, *rate set),
 * or NULL with err filled in.
 */
float	*va_tts_remote_synth(struct va_http *, const struct va_tts_remote *,
	    const char *text, size_t *frames, int *rate,
	    struct va_tts_remote_err *err);

/* The endpoint for a base URL; new string (free()), NULL on ENOMEM. */
char	*va_tts_remote_endpoint(const char *url);

/*
 * Decode a wav (RIFF, 16-bit PCM, channels mixed to mono) or raw 24 kHz
 * s16le buffer; new samples or NULL when it is not audio.
 */
float	*va_tts_remote_decode(const void *buf, size_t len, size_t *frames,
	    int *rate);

#endif
