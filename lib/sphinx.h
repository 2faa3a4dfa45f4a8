/*
 * sphinx.h - the embedded recognizer over pocketsphinx, the only file that
 * includes its headers.
 *
 * One decoder holds an acoustic model and a pronunciation dictionary, and
 * any number of named searches: n-gram language models and JSGF grammars
 * (every word they use must be in the dictionary). Each utterance is
 * decoded whole with the search named, at the model's rate (16 kHz for
 * Debian's en-us model). Pocketsphinx's own messages go to va_log: errors
 * as diag "sphinx" at VA_WARN, the rest at VA_DEBUG.
 *
 * Functions return -1 (or NULL) on failure and log why.
 */
#ifndef VA_SPHINX_H
#define VA_SPHINX_H

#include <stddef.h>
#include <stdint.h>

#include "asr.h"

struct va_sphinx;

/*
 * A decoder for the acoustic model folder hmm and the dictionary dict.
 * extra is NULL or a NULL-terminated list of pocketsphinx option pairs
 * ("-beam", "1e-40", ...). NULL on failure (logged, diag "sphinx_init").
 */
struct va_sphinx *va_sphinx_new(const char *hmm, const char *dict,
	    const char *const *extra);
void	va_sphinx_free(struct va_sphinx *);

/*
 * Adapt the acoustic model's means with the MLLR transform in path (as
 * sphinxtrain's mllr_solve writes it). -1 when the file cannot be read
 * or does not fit the model (logged, diag "sphinx_init").
 */
int	va_sphinx_set_mllr(struct va_sphinx *, const char *path);

/*
 * Add a search from an n-gram model (ARPA or binary) or a JSGF file. A
 * grammar's search takes wip as its word insertion penalty when it is
 * above 0 (pocketsphinx's -wip otherwise); the decoder's -wip stays as
 * it was for the searches added later.
 */
int	va_sphinx_add_lm(struct va_sphinx *, const char *name, const char *path);
int	va_sphinx_add_jsgf(struct va_sphinx *, const char *name,
	    const char *path, double wip);
/* Non-zero when a search of that name was added. */
int	va_sphinx_has(struct va_sphinx *, const char *name);
/* The model's sample rate. */
int	va_sphinx_rate(const struct va_sphinx *);

/*
 * Decode n samples with the search named. On 0, *res holds the text
 * (lower case words separated by spaces; fillers, silences and hesitations
 * such as "uh" removed),
 * the utterance confidence (posterior of the best path), and the words
 * with times and posteriors; res is va_asr_result_free()'d first.
 * -1 on failure (logged, diag "sphinx_decode").
 */
int	va_sphinx_decode(struct va_sphinx *, const char *search,
	    const int16_t *pcm, size_t n, struct va_asr_result *res);

#endif
