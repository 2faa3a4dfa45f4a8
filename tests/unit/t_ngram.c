/*
 * t_ngram.c - normalising, n-gram features and contraction expansion.
 */
#include <string.h>

#include "ngram.h"
#include "tap.h"

static const struct va_feat_opts expand = {
	1, 2, 2, 4, 4, VA_FEAT_STEM | VA_FEAT_STOP | VA_FEAT_EXPAND,
	{ 1, 1, 1, 0 }
};
static const struct va_feat_opts plain = {
	1, 2, 2, 4, 4, VA_FEAT_STEM | VA_FEAT_STOP, { 1, 1, 1, 0 }
};

/* 1 when a and b have the same features, counts included. */
static int
same(const struct va_feat_opts *o, const char *a, const char *b)
{
	struct va_fvec x = { 0 }, y = { 0 };
	size_t i;
	int eq;

	if (va_feat_extract(o, a, &x) == -1 || va_feat_extract(o, b, &y) == -1)
		return -1;
	eq = x.n == y.n;
	for (i = 0; eq && i < x.n; i++)
		eq = x.v[i].key == y.v[i].key && x.v[i].count == y.v[i].count;
	va_fvec_free(&x);
	va_fvec_free(&y);
	return eq;
}

static void
norm(const char *in, const char *want)
{
	char out[64];

	va_feat_normalize(in, strlen(in), out, sizeof(out));
	is_str(out, want, "normalise \"%s\"", in);
}

int
main(void)
{
	struct va_fvec fv = { 0 };
	struct va_vocab v = { 0 };
	long id;

	norm("Hello, World 42!", "hello world 00");
	norm("  I've   got--it  ", "i've got it");
	norm("", "");

	is_int(same(&expand, "I didn't get it", "i did not get it"), 1,
	    "didn't is did not");
	is_int(same(&expand, "I didnt get it", "I did not get it"), 1,
	    "didnt is did not");
	is_int(same(&expand, "I can't pay", "i can not pay"), 1,
	    "can't is can not");
	is_int(same(&expand, "I cannot pay", "i can not pay"), 1,
	    "cannot is can not");
	is_int(same(&expand, "it won't work", "it will not work"), 1,
	    "won't is will not");
	is_int(same(&expand, "I've lost it, I'm sure", "i have lost it i am sure"),
	    1, "'ve and 'm");
	is_int(same(&expand, "im sure", "i am sure"), 1, "im is i am");
	is_int(same(&expand, "we'll see, they're here, I'd go",
	    "we will see they are here i would go"), 1, "'ll, 're and 'd");
	is_int(same(&expand, "a $20 fee", "a dollar 00 fee"), 1,
	    "$ is the word dollar");
	is_int(same(&expand, "that's all", "that is all"), 0,
	    "'s stays as it is");
	is_int(same(&expand, "n't 've", "n't 've"), 1, "a bare suffix stays");
	is_int(same(&plain, "I didn't get it", "i did not get it"), 0,
	    "no expansion without the flag");
	is_int(same(&plain, "Card ARRIVED?", "card arrived"), 1,
	    "case and punctuation do not matter");

	ok(va_feat_extract(&expand, "", &fv) == 0, "no features in nothing");
	ok(va_feat_extract(&expand, "where is my card", &fv) > 0,
	    "features in a text");
	for (id = 1; id < (long)fv.n; id++)
		if (fv.v[id - 1].key >= fv.v[id].key)
			break;
	is_int(id, (long)fv.n, "features sorted, each once");
	va_fvec_free(&fv);

	is_int(va_vocab_add(&v, 42), 0, "first key gets id 0");
	is_int(va_vocab_add(&v, 7), 1, "second key gets id 1");
	is_int(va_vocab_add(&v, 42), 0, "a known key keeps its id");
	for (id = 0; id < 5000; id++)
		va_vocab_add(&v, 1000 + (uint64_t)id);
	is_int(va_vocab_find(&v, 7), 1, "found after growing");
	is_int(va_vocab_find(&v, 999), -1, "unknown key");
	is_int((long)v.n, 5002, "key count");
	va_vocab_free(&v);
	return tap_done();
}
