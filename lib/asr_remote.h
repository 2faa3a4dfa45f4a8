/*
 * asr_remote.h - remote speech recognizers over lib/http.h: an
 * OpenAI-compatible POST /v1/audio/transcriptions (multipart form, as
 * OpenAI, whisper.cpp's server and faster-whisper servers take it) and
 * Deepgram's POST /v1/listen (the audio as the raw body).
 *
 * Both take one utterance as a WAV file in memory and fill a result:
 * OpenAI's verbose_json gives the text, word times (when the server
 * supports timestamp_granularities[]=word) and segment log-probabilities
 * (the confidence is exp of their mean, unknown without segments);
 * Deepgram gives the transcript, its confidence and words with theirs.
 */
#ifndef VA_ASR_REMOTE_H
#define VA_ASR_REMOTE_H

#include <stddef.h>

#include "asr.h"
#include "http.h"

enum va_asr_api { VA_ASR_OPENAI, VA_ASR_DEEPGRAM };

struct va_asr_remote {
	enum va_asr_api api;
	const char *url;	/* base URL, e.g. https://api.openai.com */
	const char *model;	/* "whisper-1", "nova-2", ... */
	const char *language;	/* "en", or NULL */
	const char *key;	/* secret; NULL sends no credentials */
	const char *prompt;	/* OpenAI only: a hint of what is said; NULL */
	long	timeout_ms;	/* whole exchange, retries included */
	int	tries;
};

/*
 * Transcribe wav (len bytes). 0 with *res filled; -1 with *code set to a
 * stable error code ("engine_timeout", "engine_unreachable",
 * "engine_unavailable", "engine_auth", "engine_rejected",
 * "engine_protocol") and msg (msgcap bytes) saying what happened.
 */
int	va_asr_remote_run(struct va_http *, const struct va_asr_remote *,
	    const unsigned char *wav, size_t len, struct va_asr_result *res,
	    const char **code, char *msg, size_t msgcap);

#endif
