/*
 * asr.h - what a speech recognizer returns for one utterance, shared by
 * the embedded engine (sphinx.c) and the remote ones (asr_remote.c).
 *
 * A result owns its strings: va_asr_result_free() frees them and leaves
 * the result empty. Times are milliseconds from the start of the audio
 * decoded; a confidence is in [0, 1], or negative when the engine does
 * not give one.
 */
#ifndef VA_ASR_H
#define VA_ASR_H

#include <stddef.h>
#include <stdint.h>

struct va_asr_word {
	char	*w;
	int64_t	start_ms;
	int64_t	end_ms;
	double	conf;		/* < 0: unknown */
};

struct va_asr_result {
	char	*text;		/* "" when nothing was recognized */
	double	confidence;	/* < 0: unknown */
	struct va_asr_word *words;
	size_t	nwords;
	size_t	cap;
};

/* Append a word (copied); 0, or -1 when out of memory. */
int	va_asr_result_add(struct va_asr_result *, const char *w, size_t len,
	    int64_t start_ms, int64_t end_ms, double conf);
/* Set text to a copy of s (len bytes); 0 or -1. */
int	va_asr_result_text(struct va_asr_result *, const char *s, size_t len);
/* Text made of the words joined by spaces when none was set; 0 or -1. */
int	va_asr_result_join(struct va_asr_result *);
void	va_asr_result_free(struct va_asr_result *);

#endif
