/*
 * ini: what dominoban.conf and the *.pat pattern files share, both being
 * "[section]" and "key = value" lines. Pure: no I/O, no allocation.
 */
#ifndef DB_INI_H
#define DB_INI_H

/* Cut the blanks (space, tab) around s in place, and a trailing '\r' (a
 * file with CRLF line ends); returns the first kept byte. */
char *ini_trim(char *s);

#endif
