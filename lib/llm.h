/*
 * llm.h - asking a large language model which intent a text is, over an
 * OpenAI-compatible POST /v1/chat/completions (llama.cpp's server,
 * Ollama, vLLM or a hosted API) through lib/http.h.
 *
 * The request carries a system message naming the task, the text as the
 * user message, temperature 0, and a response_format of type json_schema
 * whose schema admits exactly one object {"intent": one of the labels,
 * "confidence": a number from 0 to 1}; servers that enforce schemas
 * (llama.cpp grammars, vLLM guided decoding, OpenAI structured outputs)
 * cannot answer anything else, and the answer is checked against the
 * same rules all the same. The request is the same bytes for the same
 * text, labels and model.
 *
 * Every exchange has its timeouts set (the whole budget, retries and
 * Retry-After sleeps included, is timeout_ms); a failure is a return
 * value, never an exit, so the caller can fall back on its own answer.
 */
#ifndef VA_LLM_H
#define VA_LLM_H

#include <stddef.h>

#include "http.h"

struct va_llm {
	const char *url;	/* base URL, e.g. http://127.0.0.1:8080 */
	const char *model;	/* sent as "model" */
	const char *key;	/* bearer token, a secret; NULL sends none */
	long	timeout_ms;	/* whole exchange, retries included */
	int	tries;		/* 1 disables retries */
};

/*
 * Classify text as one of labels[0..nlabels). Returns 0 with *label (an
 * index into labels) and *confidence (clamped to [0, 1]) set; -1 with
 * *code set to a stable error code ("llm_timeout", "llm_unreachable",
 * "llm_unavailable" for 429 and 5xx after the retries, "llm_auth",
 * "llm_rejected" for other 4xx, "llm_protocol" for an answer that is not
 * one of the labels with a confidence) and msg (msgcap bytes) saying what
 * happened. The key never appears in msg. *ms is the time taken either
 * way.
 */
int	va_llm_classify(struct va_http *, const struct va_llm *,
	    const char *text, char *const *labels, int nlabels, int *label,
	    double *confidence, long *ms, const char **code, char *msg,
	    size_t msgcap);

#endif
