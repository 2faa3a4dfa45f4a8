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

/* VA_ASAN: built with AddressSanitizer (gcc's or clang's spelling). */
#if defined(__SANITIZE_ADDRESS__)
#define VA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VA_ASAN 1
#endif
#endif
#ifdef VA_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#define FZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* s (NUL-terminated) is well-formed UTF-8: no overlong form, surrogate
 * or code point past U+10FFFF. A reference, written apart from lib/. */
static inline int
fz_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3, cp = *p & 0x07;
		else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		    || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		p += n + 1;
	}
	return 1;
}

#endif
