/*
 * out.c - buffered event output with quiet EPIPE (see out.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "out.h"

#define OUT_SIZE	(128 * 1024)

static char out_buf[OUT_SIZE];
static size_t out_len;
static int out_fd = STDOUT_FILENO;
static int out_ready;

static void
out_init(void)
{
	struct sigaction sa;

	/* EPIPE comes back from write(2) instead of killing us. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	out_ready = 1;
}

static void
out_drain(const char *p, size_t n)
{
	ssize_t w;

	if (!out_ready)
		out_init();
	while (n > 0) {
		w = write(out_fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				_exit(0);
			va_die(74, "write_error", "cannot write output: %s",
			    strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

void
va_out_flush(void)
{
	size_t n = out_len;

	out_len = 0;
	if (n > 0)
		out_drain(out_buf, n);
}

void
va_out_write(const void *p, size_t n)
{
	if (out_len + n > OUT_SIZE) {
		va_out_flush();
		if (n > OUT_SIZE) {
			out_drain(p, n);
			return;
		}
	}
	memcpy(out_buf + out_len, p, n);
	out_len += n;
}

void
va_out_putc(int c)
{
	if (out_len == OUT_SIZE)
		va_out_flush();
	out_buf[out_len++] = (char)c;
}

void
va_out_puts(const char *s)
{
	va_out_write(s, strlen(s));
}

void
va_out_set_fd(int fd)
{
	va_out_flush();
	out_fd = fd;
}
