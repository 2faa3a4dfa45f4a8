/*
 * hmac.h - keyed message digests (HMAC-SHA1, HMAC-SHA256) for request
 * signing, such as WooCommerce's OAuth 1.0a over plain HTTP.
 *
 * A leaf module: the only file that includes OpenSSL's headers, so only
 * programs that sign link -lcrypto.
 */
#ifndef VA_HMAC_H
#define VA_HMAC_H

#include <stddef.h>

#define VA_HMAC_SHA1_LEN	20
#define VA_HMAC_SHA256_LEN	32

/*
 * HMAC of msg under key with SHA-1 (out holds VA_HMAC_SHA1_LEN bytes) or
 * SHA-256 (VA_HMAC_SHA256_LEN bytes). Returns 0, or -1 on a library
 * failure (logged, diag "hmac").
 */
int	va_hmac_sha1(const void *key, size_t klen, const void *msg,
	    size_t mlen, unsigned char *out);
int	va_hmac_sha256(const void *key, size_t klen, const void *msg,
	    size_t mlen, unsigned char *out);

#endif
