/*
 * ini: what dominoban.conf and the *.pat pattern files share, both being
 * "[section]" and "key = value" lines. Pure: no I/O, no allocation.
 */
#ifndef DB_INI_H
#define DB_INI_H

/* Cut the blanks (space, tab) around s in place, and a trailing '\r' (a
 * file with CRLF line ends); returns the first kept byte. */
char *ini_trim(char *s);

/*
 * The next line of a text read in place, at *pos (a NUL-terminated copy
 * the caller owns): the line is cut at its newline, trimmed (ini_trim),
 * and returned, with *lineno counting every line passed. Blank lines and
 * comment lines (first byte # or ;) are skipped. NULL at the end of the
 * text; *pos is then NULL.
 */
char *ini_next(char **pos, unsigned *lineno);

#endif
