/*
 * learn.h - training the text classifier with liblinear
 * (learn.c is the only file that includes liblinear's linear.h; the module
 * is not called linear.h so as not to hide it).
 *
 * va_learn_train() extracts every text's n-gram features (ngram.h),
 * keeps those seen in at least min_df texts, weights them as textcat.h
 * describes (sublinear tf, smooth idf ln((1 + N) / (1 + df)) + 1, L2 norm
 * per block), trains one liblinear model over all classes and copies its
 * weights into a va_textcat ready to save or score. The solver is a
 * liblinear solver number (1: L2-loss SVM, dual, one-vs-rest; 4:
 * Crammer and Singer; 0: logistic regression); C the cost.
 */
#ifndef VA_LEARN_H
#define VA_LEARN_H

#include <stddef.h>

#include "textcat.h"

struct va_train_opts {
	struct va_feat_opts fo;
	int	solver;
	double	C;
	double	eps;		/* stopping tolerance; 0: liblinear's default */
	int	min_df;
	int	balanced;	/* weight classes by 1 / their frequency */
	float	scale;		/* stored in the model for confidences */
	float	threshold;	/* stored in the model as the OOS threshold */
};

/*
 * Train on n texts whose classes are y[i] (indexes into labels[nclass],
 * copied). Returns a new model, or NULL after logging (diag
 * "train_error" or "out_of_memory").
 */
struct va_textcat *va_learn_train(const struct va_train_opts *,
	    char *const *texts, const int *y, size_t n, char *const *labels,
	    int nclass);

#endif
