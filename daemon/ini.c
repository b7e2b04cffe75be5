/* ini: see ini.h. */
#include "config.h"

#include <string.h>

#include "ini.h"

char *
ini_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

char *
ini_next(char **pos, unsigned *lineno)
{
	char *line, *key;

	while ((line = *pos) != NULL) {
		(*lineno)++;
		*pos = strchr(line, '\n');
		if (*pos != NULL)
			*(*pos)++ = '\0';
		key = ini_trim(line);
		if (*key != '\0' && *key != '#' && *key != ';')
			return key;
	}
	return NULL;
}
