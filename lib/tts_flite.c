/*
 * tts_flite.c - speech synthesis with flite's compiled-in voices (see
 * tts_flite.h).
 */
#include <stdlib.h>
#include <string.h>

#include <flite/flite.h>

#include "log.h"
#include "tts_flite.h"

/* Defined by the voice libraries, which ship no headers. */
cst_voice *register_cmu_us_slt(const char *);
void	unregister_cmu_us_slt(cst_voice *);
cst_voice *register_cmu_us_kal(const char *);
void	unregister_cmu_us_kal(cst_voice *);

const char *const va_tts_flite_voices[] = { "slt", "kal", NULL };

struct va_tts_flite {
	cst_voice *voice;
	void	(*unregister)(cst_voice *);
	int	rate;
};

struct va_tts_flite *
va_tts_flite_new(const char *voice)
{
	static int inited;
	struct va_tts_flite *t;
	cst_wave *w;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		va_log(VA_ERROR, "out_of_memory", "out of memory");
		return NULL;
	}
	if (!inited) {
		flite_init();
		inited = 1;
	}
	if (voice == NULL || strcmp(voice, "slt") == 0) {
		t->voice = register_cmu_us_slt(NULL);
		t->unregister = unregister_cmu_us_slt;
		t->rate = 16000;
	} else if (strcmp(voice, "kal") == 0) {
		t->voice = register_cmu_us_kal(NULL);
		t->unregister = unregister_cmu_us_kal;
		t->rate = 8000;
	} else {
		va_log(VA_ERROR, "tts_voice", "unknown flite voice \"%s\" "
		    "(slt, kal)", voice);
		free(t);
		return NULL;
	}
	if (t->voice == NULL) {
		va_log(VA_ERROR, "tts_voice", "cannot load flite voice %s",
		    voice);
		free(t);
		return NULL;
	}
	/*
	 * The first synthesis pays for faulting in the lexicon and the
	 * voice's trees (about 100 ms): pay it here, before the first reply.
	 */
	if ((w = flite_text_to_wave("Hello, one two three.", t->voice)) !=
	    NULL)
		delete_wave(w);
	return t;
}

void
va_tts_flite_free(struct va_tts_flite *t)
{
	if (t == NULL)
		return;
	t->unregister(t->voice);
	free(t);
}

int
va_tts_flite_rate(const struct va_tts_flite *t)
{
	return t->rate;
}

float *
va_tts_flite_synth(struct va_tts_flite *t, const char *text, size_t *frames)
{
	cst_wave *w;
	float *pcm;
	size_t i, n;

	*frames = 0;
	if (text[strspn(text, " \t.,;:!?")] == '\0')
		return calloc(1, sizeof(float));
	if ((w = flite_text_to_wave(text, t->voice)) == NULL) {
		va_log(VA_ERROR, "tts_synth", "flite could not synthesize "
		    "\"%.40s\"", text);
		return NULL;
	}
	/* The voice's rate, whatever it says: resampling is the caller's. */
	t->rate = w->sample_rate;
	n = w->num_samples > 0 ? (size_t)w->num_samples : 0;
	if ((pcm = malloc((n + 1) * sizeof(*pcm))) == NULL) {
		delete_wave(w);
		va_log(VA_ERROR, "out_of_memory", "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++)
		pcm[i] = w->samples[i * (size_t)w->num_channels] / 32768.0f;
	delete_wave(w);
	*frames = n;
	return pcm;
}
