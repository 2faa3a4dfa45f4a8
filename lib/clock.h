/*
 * clock.h - wall clock, monotonic clock and random numbers, with the fixed
 * clock and seed that make golden tests deterministic.
 *
 * VA_FIXED_CLOCK=<epoch ms> freezes the wall clock at that instant and makes
 * every measured duration zero (va_mono_us() stands still), so events that
 * carry timestamps and processing times compare byte for byte.
 * VA_SEED=<n> seeds va_rand(); otherwise it is seeded from time and pid.
 */
#ifndef VA_CLOCK_H
#define VA_CLOCK_H

#include <stdint.h>

/* Milliseconds since the epoch (fixed under VA_FIXED_CLOCK). */
int64_t	va_clock_ms(void);
/* Monotonic microseconds, for durations (constant under VA_FIXED_CLOCK). */
int64_t	va_mono_us(void);
/* Non-zero when VA_FIXED_CLOCK is set (or va_clock_set_fixed() called). */
int	va_clock_fixed(void);
/*
 * For tests: freeze the wall clock at ms, as VA_FIXED_CLOCK does, and move
 * it by calling again; a forked child starts at its parent's instant.
 */
void	va_clock_set_fixed(int64_t ms);
/* Sleep for ms milliseconds, resuming after signals; no-op for ms <= 0. */
void	va_sleep_ms(int64_t ms);
/* A 64-bit pseudo-random number (xorshift64*), seeded as described above. */
uint64_t va_rand(void);
/* A uniform double in [0, 1). */
double	va_rand_unit(void);

#endif
