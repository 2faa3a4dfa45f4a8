/*
 * killpoint.h - named points where a test may kill the program with
 * SIGKILL, to show that work recorded before the point is neither lost nor
 * done twice when the program dies there (kill -9 between the steps).
 *
 * va_killpoint("delivered") raises SIGKILL when VA_TEST_KILL_AT is
 * "delivered" (or "delivered:N", at its N-th passing); otherwise nothing.
 */
#ifndef VA_KILLPOINT_H
#define VA_KILLPOINT_H

void	va_killpoint(const char *step);

#endif
