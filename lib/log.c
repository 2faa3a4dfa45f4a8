/*
 * log.c - JSON-lines, brief and text diagnostics on stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static const char *log_prog = "va";
static enum va_log_level log_level = VA_INFO;
static enum va_log_mode log_mode = VA_LOG_JSON;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
va_log_init(const char *prog)
{
	const char *s;
	int i;

	log_prog = prog;
	if ((s = getenv("VA_LOG")) != NULL) {
		if (strcmp(s, "brief") == 0)
			log_mode = VA_LOG_BRIEF;
		else if (strcmp(s, "text") == 0)
			log_mode = VA_LOG_TEXT;
		else
			log_mode = VA_LOG_JSON;
	}
	if ((s = getenv("VA_LOG_LEVEL")) != NULL)
		for (i = 0; i < 4; i++)
			if (strcmp(s, level_names[i]) == 0)
				log_level = (enum va_log_level)i;
}

void
va_log_set_level(enum va_log_level l)
{
	log_level = l;
}

void
va_log_set_mode(enum va_log_mode m)
{
	log_mode = m;
}

enum va_log_level
va_log_get_level(void)
{
	return log_level;
}

const char *
va_log_prog(void)
{
	return log_prog;
}

/* Append s to the buffer as the body of a JSON string. */
static size_t
json_escape(char *out, size_t cap, size_t n, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;

	for (; *s != '\0' && n + 7 < cap; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			n += (size_t)snprintf(out + n, cap - n, "\\u00%c%c",
			    hex[c >> 4], hex[c & 15]);
		} else
			out[n++] = (char)c;
	}
	return n;
}

static void log_write(enum va_log_level, const char *, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
log_write(enum va_log_level level, const char *diag, const char *fmt,
    va_list ap)
{
	char msg[2048], line[4608];
	size_t n = 0;
	int w;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_mode == VA_LOG_TEXT) {
		w = snprintf(line, sizeof(line), "%s: %s%s%s [%s]\n", log_prog,
		    level == VA_INFO ? "" : level_names[level],
		    level == VA_INFO ? "" : ": ", msg, diag);
		n = w < 0 ? 0 : (size_t)w >= sizeof(line) ? sizeof(line) - 1
		    : (size_t)w;
	} else {
		n = (size_t)snprintf(line, sizeof(line),
		    "{\"level\":\"%s\",\"prog\":\"%s\",\"diag\":\"%s\",\"msg\":\"",
		    level_names[level], log_prog, diag);
		n = json_escape(line, sizeof(line) - 64, n, msg);
		if (log_mode == VA_LOG_JSON)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "\",\"ts\":%lld}\n", (long long)va_clock_ms());
		else
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "\"}\n");
	}
	/* One write(2) per diagnostic keeps lines whole between processes. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

void
va_log(enum va_log_level level, const char *diag, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_write(level, diag, fmt, ap);
	va_end(ap);
}

void
va_die(int status, const char *diag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(VA_ERROR, diag, fmt, ap);
	va_end(ap);
	exit(status);
}
