/*
 * log: stderr logging in key=value form, sysexits-aware fatal exits, and
 * escaping of attacker-controlled text. This is the one module-level
 * singleton the house style allows: the program name, the level and whether
 * stderr is the journal.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *log_ident = "dominoban";
static enum log_level log_max = LOG_LEVEL_INFO;
static bool log_journal;

void
log_init(const char *ident, enum log_level max)
{
	log_ident = ident;
	log_max = max;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_set_level(enum log_level max)
{
	log_max = max;
}

static void
vlog(enum log_level level, const char *fmt, va_list ap, int err)
{
	static const char *names[] = {
	    [LOG_LEVEL_ERR] = "error",
	    [LOG_LEVEL_WARNING] = "warning",
	    [LOG_LEVEL_INFO] = "info",
	    [LOG_LEVEL_DEBUG] = "debug",
	};
	char msg[2048], line[2300];
	int n;

	if (level > log_max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal)
		n = snprintf(line, sizeof(line), "<%d>%s%s%s\n", (int)level, msg,
		    err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
	else
		n = snprintf(line, sizeof(line), "%s: %s: %s%s%s\n", log_ident,
		    names[level], msg, err != 0 ? ": " : "",
		    err != 0 ? strerror(err) : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	/* One write per record, so records from a dying process are never
	 * interleaved or half written mid-line by our own buffering. */
	fwrite(line, 1, (size_t)n, stderr);
}

bool
log_enabled(enum log_level level)
{
	return level <= log_max;
}

#define DEFINE_LOG(name, level, with_errno)                                    \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		int saved = errno;                                             \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		vlog(level, fmt, ap, with_errno ? saved : 0);                  \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	}

DEFINE_LOG(log_info, LOG_LEVEL_INFO, 0)
DEFINE_LOG(log_debug, LOG_LEVEL_DEBUG, 0)
DEFINE_LOG(log_warn, LOG_LEVEL_WARNING, 1)
DEFINE_LOG(log_warnx, LOG_LEVEL_WARNING, 0)

void
fatal(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERR, fmt, ap, saved);
	va_end(ap);
	exit(code);
}

void
fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERR, fmt, ap, 0);
	va_end(ap);
	exit(code);
}

size_t
log_escape(char *dst, size_t size, const char *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i, need;
	unsigned char c;

	if (size == 0)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)src[i];
		need = (c == '\\' || c == '"') ? 2 : (c < 0x20 || c > 0x7e) ? 4 : 1;
		/* Keep room for "..." and the NUL. */
		if (o + need + 4 > size) {
			if (size >= 4) {
				while (o + 4 > size)
					o--;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else if (need == 2) {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
	return o;
}

bool
log_limit_allow(struct log_limit *l, int64_t now)
{
	if (now - l->window_start >= (int64_t)l->window || now < l->window_start) {
		l->window_start = now;
		l->used = 0;
	}
	if (l->used < l->burst) {
		l->used++;
		return true;
	}
	return false;
}
