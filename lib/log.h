/*
 * log.h - diagnostics on stderr, one per line, with a stable identifier.
 *
 * Every call site names a stable `diag` identifier (lower_snake_case) that
 * scripts and golden tests may match on; the message text may change.
 *
 * Modes, chosen by VA_LOG (or va_log_set_mode()):
 *   json   (default) {"level":"warn","prog":"va-x","diag":"id","msg":"...","ts":1700000000000}
 *   brief  the same without "ts", for golden tests
 *   text   "va-x: warning: msg [id]" for a person at a terminal
 * VA_LOG_LEVEL (error|warn|info|debug; default info) or -v/-q set the level.
 * Nothing here allocates after va_log_init(); it is safe to call anywhere.
 */
#ifndef VA_LOG_H
#define VA_LOG_H

enum va_log_level { VA_ERROR, VA_WARN, VA_INFO, VA_DEBUG };
enum va_log_mode { VA_LOG_JSON, VA_LOG_BRIEF, VA_LOG_TEXT };

/* Set the program name and read VA_LOG and VA_LOG_LEVEL. */
void	va_log_init(const char *prog);
void	va_log_set_level(enum va_log_level);
void	va_log_set_mode(enum va_log_mode);
enum va_log_level va_log_get_level(void);
const char *va_log_prog(void);

/* Write one diagnostic when level is enabled. */
void	va_log(enum va_log_level, const char *diag, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Log at VA_ERROR and exit with the given sysexits status. */
void	va_die(int status, const char *diag, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4), noreturn));

#endif
