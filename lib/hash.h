/*
 * hash.h - the one string hash for in-memory tables (FNV-1a, 32 bits).
 *
 *	bucket = va_hash_str(key) % NBUCKETS;
 *
 * For spreading keys over buckets only: not for anything an attacker may
 * want to collide on purpose, nor for anything stored.
 */
#ifndef VA_HASH_H
#define VA_HASH_H

static inline unsigned
va_hash_str(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

#endif
