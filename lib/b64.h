/*
 * b64.h - base64 (RFC 4648, standard alphabet, padded) for audio that
 * travels inline in events.
 */
#ifndef VA_B64_H
#define VA_B64_H

#include <stddef.h>

/* Encoded length of n bytes, without NUL. */
size_t	va_b64_len(size_t n);
/* Encode n bytes into out (va_b64_len(n) + 1 bytes, NUL-terminated). */
void	va_b64_encode(const void *in, size_t n, char *out);
/*
 * Decode len characters into out (at least len / 4 * 3 bytes). Returns
 * the decoded length, or -1 on a character outside the alphabet or bad
 * padding. White space is not allowed.
 */
long	va_b64_decode(const char *in, size_t len, void *out);

#endif
