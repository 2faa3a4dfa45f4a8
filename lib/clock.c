/*
 * clock.c - clocks and a seeded random source.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static int clock_state = -1;	/* -1 unknown, 0 real, 1 fixed */
static int64_t fixed_ms;
static uint64_t rand_state;

static int
clock_init(void)
{
	const char *s;

	if (clock_state < 0) {
		s = getenv("VA_FIXED_CLOCK");
		if (s != NULL && *s != '\0') {
			fixed_ms = strtoll(s, NULL, 10);
			clock_state = 1;
		} else
			clock_state = 0;
	}
	return clock_state;
}

int
va_clock_fixed(void)
{
	return clock_init();
}

void
va_clock_set_fixed(int64_t ms)
{
	fixed_ms = ms;
	clock_state = 1;
}

int64_t
va_clock_ms(void)
{
	struct timespec ts;

	if (clock_init())
		return fixed_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
va_mono_us(void)
{
	struct timespec ts;

	if (clock_init())
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
va_sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

uint64_t
va_rand(void)
{
	const char *s;
	struct timespec ts;

	if (rand_state == 0) {
		if ((s = getenv("VA_SEED")) != NULL && *s != '\0')
			rand_state = strtoull(s, NULL, 10);
		else {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			rand_state = (uint64_t)ts.tv_nsec ^
			    ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec;
		}
		if (rand_state == 0)
			rand_state = 0x9e3779b97f4a7c15ULL;
	}
	rand_state ^= rand_state >> 12;
	rand_state ^= rand_state << 25;
	rand_state ^= rand_state >> 27;
	return rand_state * 0x2545f4914f6cdd1dULL;
}

double
va_rand_unit(void)
{
	return (double)(va_rand() >> 11) / 9007199254740992.0;
}
