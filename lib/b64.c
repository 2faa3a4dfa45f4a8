/*
 * b64.c - base64 encoding and decoding (see b64.h).
 */
#include "b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
va_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

void
va_b64_encode(const void *in, size_t n, char *out)
{
	const unsigned char *p = in;
	size_t i;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		*out++ = alphabet[v >> 18];
		*out++ = alphabet[(v >> 12) & 63];
		*out++ = alphabet[(v >> 6) & 63];
		*out++ = alphabet[v & 63];
	}
	if (i < n) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		*out++ = alphabet[v >> 18];
		*out++ = alphabet[(v >> 12) & 63];
		*out++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static int
val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
va_b64_decode(const char *in, size_t len, void *out)
{
	unsigned char *o = out;
	size_t i, pad = 0;
	int a, b, c, d;

	if (len % 4 != 0)
		return -1;
	if (len > 0 && in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	for (i = 0; i < len; i += 4) {
		a = val((unsigned char)in[i]);
		b = val((unsigned char)in[i + 1]);
		c = i + 4 == len && pad == 2 ? 0 : val((unsigned char)in[i + 2]);
		d = i + 4 == len && pad >= 1 ? 0 : val((unsigned char)in[i + 3]);
		if (a < 0 || b < 0 || c < 0 || d < 0)
			return -1;
		*o++ = (unsigned char)(a << 2 | b >> 4);
		if (!(i + 4 == len && pad == 2))
			*o++ = (unsigned char)((b & 15) << 4 | c >> 2);
		if (!(i + 4 == len && pad >= 1))
			*o++ = (unsigned char)((c & 3) << 6 | d);
	}
	return (long)(o - (unsigned char *)out);
}
