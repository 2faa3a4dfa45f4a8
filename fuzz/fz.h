/*
 * fz.h - what the fuzz harnesses (fuzz/fz_*.c) share.
 *
 * Each harness defines LLVMFuzzerTestOneInput(): libFuzzer drives it under
 * make fuzz, and fuzz/replay.c runs it over saved inputs under make check.
 * FZ_CHECK states a property the code under test must keep for every
 * input; a broken one is reported and abort()s, which both drivers catch.
 */
#ifndef VA_FZ_H
#define VA_FZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif
