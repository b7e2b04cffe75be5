/*
 * conf_value: see conf_value.h. Numbers are decimal only: strtod() and
 * strtoul() alone would also take "0x10", "inf", "nan", "1e3" and leading
 * blanks, none of which an admin means as a number.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conf.h"
#include "conf_value.h"

void
conf_value_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Split text into at most max blank-separated words, copied. */
int
conf_value_words(const char *text, char ***out, size_t *n)
{
	const char *p = text, *s;
	char **v = NULL, **tmp;
	size_t k = 0;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		s = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (k == CONF_LIST_MAX) {
			conf_value_free(v, k);
			errno = E2BIG;
			return -1;
		}
		if ((tmp = realloc(v, (k + 1) * sizeof(*v))) == NULL)
			goto nomem;
		v = tmp;
		if ((v[k] = strndup(s, (size_t)(p - s))) == NULL)
			goto nomem;
		k++;
	}
	*out = v;
	*n = k;
	return 0;
nomem:
	conf_value_free(v, k);
	errno = ENOMEM;
	return -1;
}

/*
 * Length of the decimal number at the start of s: digits, a fraction when
 * frac, a leading '-' when neg; 0 when there is none. strtod() and
 * strtoul() alone would also take "0x10", "inf", "nan", "1e3" and leading
 * blanks, none of which an admin means as a decimal number.
 */
static size_t
decimal_len(const char *s, bool neg, bool frac)
{
	size_t n = neg && s[0] == '-' ? 1 : 0, start = n;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == start)
		return 0;
	if (frac && s[n] == '.') {
		start = ++n;
		while (s[n] >= '0' && s[n] <= '9')
			n++;
		if (n == start)
			return 0;
	}
	return n;
}

/* The decimal number at the start of s, its end in *end; -1 when there is
 * none or it is out of range for a double. */
static int
decimal(const char *s, bool neg, bool frac, double *out, const char **end)
{
	size_t n = decimal_len(s, neg, frac);
	char *e;

	if (n == 0)
		return -1;
	errno = 0;
	*out = strtod(s, &e);
	if (errno != 0 || e != s + n || !isfinite(*out))
		return -1;
	*end = e;
	return 0;
}

/* A decimal number within [min, max], whole unless frac. Returns 0, or -1
 * with errno EINVAL (not such a number) or ERANGE (out of bounds). */
int
conf_value_number(const char *s, double min, double max, bool frac, double *out)
{
	const char *end;
	double v;

	errno = EINVAL;
	if (decimal(s, min < 0, frac, &v, &end) == -1 || *end != '\0')
		return -1;
	errno = ERANGE;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The message for a number conf_value_number() refused, into buf. */
const char *
conf_value_bad_number(const char *val, bool frac, double min, double max,
    char *buf, size_t size)
{
	if (errno == ERANGE)
		snprintf(buf, size, "'%.40s' is out of range (%.15g to %.15g)",
		    val, min, max);
	else
		snprintf(buf, size, "'%.40s' is not a %snumber (%.15g to %.15g)",
		    val, frac ? "decimal " : "decimal whole ", min, max);
	return buf;
}

/* "'VAL': expected FORMS", into buf. */
const char *
conf_value_expected(const char *val, const char *forms, char *buf, size_t size)
{
	snprintf(buf, size, "'%.40s': expected %s", val, forms);
	return buf;
}

int
conf_value_bool(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "on") == 0 || strcmp(s, "1") == 0)
		*out = true;
	else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "off") == 0 || strcmp(s, "0") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

bool
conf_value_table(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return n >= 1 && n <= 31;
}

/* Why s is not an address or a CIDR block, into buf. */
void
conf_value_bad_cidr(const char *s, char *buf, size_t size)
{
	char fixed[ADDR_STRLEN];
	struct addr a;

	if (addr_parse_prefix(s, true, &a) == 0) {
		addr_format(&a, fixed, sizeof(fixed));
		snprintf(buf, size, "'%.64s' has host bits set (did you mean "
		    "%s?)", s, fixed);
	} else
		snprintf(buf, size, "'%.64s' is not an address or a CIDR block "
		    "(192.0.2.7, 192.0.2.0/24, 2001:db8::/32)", s);
}

