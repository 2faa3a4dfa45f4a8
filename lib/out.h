/*
 * out.h - buffered standard output for event streams.
 *
 * Output collects in one buffer and goes out with write(2) when the buffer
 * fills or when va_out_flush() is called: the filter loop flushes whenever
 * it is about to wait for input, so no event is held back and a fast
 * stream does not pay a system call per line. A reader that closed the
 * pipe (EPIPE) ends the program quietly with status 0; other write errors
 * exit 74 with diag "write_error".
 */
#ifndef VA_OUT_H
#define VA_OUT_H

#include <stddef.h>

void	va_out_write(const void *, size_t);
void	va_out_putc(int);
void	va_out_puts(const char *);
/* Write everything buffered. */
void	va_out_flush(void);
/* Redirect output to another descriptor (default 1); flushes first. */
void	va_out_set_fd(int fd);

#endif
