/*
 * hmac.c - HMAC-SHA1 and HMAC-SHA256 over OpenSSL's libcrypto (see
 * hmac.h). The only file that includes OpenSSL headers.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hmac.h"
#include "log.h"

static int
mac(const EVP_MD *md, const void *key, size_t klen, const void *msg,
    size_t mlen, unsigned char *out, unsigned int want)
{
	unsigned int n = 0;

	if (klen > (size_t)0x7fffffff ||
	    HMAC(md, key, (int)klen, msg, mlen, out, &n) == NULL ||
	    n != want) {
		va_log(VA_ERROR, "hmac", "HMAC computation failed");
		return -1;
	}
	return 0;
}

int
va_hmac_sha1(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char *out)
{
	return mac(EVP_sha1(), key, klen, msg, mlen, out, VA_HMAC_SHA1_LEN);
}

int
va_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char *out)
{
	return mac(EVP_sha256(), key, klen, msg, mlen, out,
	    VA_HMAC_SHA256_LEN);
}
