/* errs: see errs.h. Never allocates; the text is cut when the buffer fills. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errs.h"

void
errs_add(struct errs *e, const char *file, unsigned line, const char *fmt, ...)
{
	size_t used = strnlen(e->text, sizeof(e->text));
	va_list ap;
	int n;

	e->count++;
	if (used + 2 >= sizeof(e->text))
		return;
	if (line > 0)
		n = snprintf(e->text + used, sizeof(e->text) - used, "%s:%u: ",
		    file, line);
	else
		n = snprintf(e->text + used, sizeof(e->text) - used, "%s: ",
		    file);
	if (n < 0 || (size_t)n >= sizeof(e->text) - used)
		return;
	used += (size_t)n;
	va_start(ap, fmt);
	vsnprintf(e->text + used, sizeof(e->text) - used, fmt, ap);
	va_end(ap);
	used = strnlen(e->text, sizeof(e->text));
	if (used + 1 < sizeof(e->text)) {
		e->text[used] = '\n';
		e->text[used + 1] = '\0';
	}
}
