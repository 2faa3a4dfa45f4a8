/*
 * ngram.h - text features for the intent classifier: normalisation,
 * word and character n-grams hashed to 64-bit keys, and a vocabulary.
 *
 * Normalising lower-cases ASCII, turns every digit into '0' (so order
 * numbers of any value look alike), keeps letters, digits, apostrophes and
 * bytes of UTF-8 sequences, and turns everything else into single spaces.
 * From the normalised text come word n-grams (word_min..word_max words)
 * and character n-grams (char_min..char_max bytes of " text ", spaces
 * included), each hashed with FNV-1a to a 64-bit key; the top bit tells
 * the block (0 words, 1 characters), since each block is weighted and
 * normalised on its own. Key 0 never occurs.
 *
 * The vocabulary maps keys to dense ids with open addressing.
 */
#ifndef VA_NGRAM_H
#define VA_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#define VA_FEAT_BLOCKS	4
/* The block of a key: 0 words, 1 characters, 2 word pairs. */
#define VA_FEAT_BLOCK(k)	((int)((k) >> 62))

struct va_feat_opts {
	int	word_min, word_max;	/* 0 0: no word n-grams */
	int	char_min, char_max;	/* 0 0: no character n-grams */
	int	pair_window;	/* unordered word pairs up to this far apart */
	int	flags;		/* VA_FEAT_STEM, VA_FEAT_STOP */
	float	weight[VA_FEAT_BLOCKS];	/* block weights after normalising */
};

/* Strip common English suffixes from words (not from character n-grams). */
#define VA_FEAT_STEM	1
/* Leave function words out of word pairs. */
#define VA_FEAT_STOP	2
/* Character n-grams inside each word (with its spaces) only. */
#define VA_FEAT_CHARWB	4
/*
 * Expand contractions after normalising ("didn't" and "didnt" become
 * "did not", "i've" "i have", "can't" "can not"; "'s" stays, as it may
 * be "is", "has" or a possessive), and read "$" as the word "dollar".
 */
#define VA_FEAT_EXPAND	8

struct va_fkey {
	uint64_t key;
	uint32_t count;
};

/* A bag of features, sorted by key, each key once. */
struct va_fvec {
	struct va_fkey *v;
	size_t	n;
	size_t	cap;
};

/*
 * Normalise len bytes of in into out (outsz bytes, NUL-terminated,
 * truncated to fit); returns the normalised length.
 */
size_t	va_feat_normalize(const char *in, size_t len, char *out,
	    size_t outsz);
/*
 * Extract the features of text into fv (its contents replaced). Returns
 * the number of distinct features, or -1 when out of memory.
 */
long	va_feat_extract(const struct va_feat_opts *, const char *text,
	    struct va_fvec *fv);
void	va_fvec_free(struct va_fvec *);

struct va_vocab {
	uint64_t *keys;		/* slot keys, 0 empty */
	uint32_t *ids;
	size_t	mask;		/* slots - 1 */
	size_t	n;		/* keys held */
};

/* An empty vocabulary sized for about expect keys; 0 or -1. */
int	va_vocab_init(struct va_vocab *, size_t expect);
/* The id of key, or -1. */
long	va_vocab_find(const struct va_vocab *, uint64_t key);
/*
 * The id of key, adding it with the next id (n) when new; -1 when out of
 * memory. The table grows as needed.
 */
long	va_vocab_add(struct va_vocab *, uint64_t key);
void	va_vocab_free(struct va_vocab *);

#endif
