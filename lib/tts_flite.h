/*
 * tts_flite.h - the embedded speech synthesizer, over flite; the only file
 * that includes flite's headers.
 *
 * Voices are Debian's flite voices compiled in: "slt" (US English female,
 * 16 kHz, the default and the clearest) and "kal" (US English male, 8 kHz
 * diphone, smaller and about eight times faster). Synthesis is deterministic:
 * the same text and voice give the same samples.
 *
 * Ownership: a synthesizer is freed with va_tts_flite_free(); samples
 * returned are new (free()). Errors are logged (diag "tts_voice",
 * "tts_synth") and returned as NULL.
 */
#ifndef VA_TTS_FLITE_H
#define VA_TTS_FLITE_H

#include <stddef.h>

struct va_tts_flite;

/* The voice names known, NULL-terminated. */
extern const char *const va_tts_flite_voices[];

/*
 * A synthesizer with the named voice, warmed up by one short synthesis so
 * the first reply does not pay for loading; NULL for an unknown voice.
 */
struct va_tts_flite *va_tts_flite_new(const char *voice);
void	va_tts_flite_free(struct va_tts_flite *);
/* The voice's native sample rate. */
int	va_tts_flite_rate(const struct va_tts_flite *);

/*
 * Synthesize text (words, already normalised) into new mono float samples
 * at the voice's rate; *frames is set (0 for text with nothing to say,
 * with a non-NULL empty array). NULL on failure.
 */
float	*va_tts_flite_synth(struct va_tts_flite *, const char *text,
	    size_t *frames);

#endif
