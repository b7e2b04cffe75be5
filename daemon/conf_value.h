/*
 * conf_value: one value of the configuration read, or the message that
 * names what is wrong with it and the valid forms. Shared by the key
 * table (conf.c) and its section checks. Pure.
 */
#ifndef DB_CONF_VALUE_H
#define DB_CONF_VALUE_H

#include <stdbool.h>
#include <stddef.h>

/* Free n words of v, then v. */
void conf_value_free(char **v, size_t n);

/* Split text into at most CONF_LIST_MAX blank-separated words, copied
 * into *out (free with conf_value_free()). Returns 0, or -1 with errno
 * E2BIG or ENOMEM. */
int conf_value_words(const char *text, char ***out, size_t *n);

/* A decimal number within [min, max], whole unless frac (no hex, inf,
 * nan, exponent or blank). Returns 0, or -1 with errno EINVAL (not such
 * a number) or ERANGE (out of bounds). */
int conf_value_number(const char *s, double min, double max, bool frac,
    double *out);

/* The message for a number conf_value_number() refused (errno still
 * set), into buf; returns buf. */
const char *conf_value_bad_number(const char *val, bool frac, double min,
    double max, char *buf, size_t size);

/* "'VAL': expected FORMS", into buf; returns buf. */
const char *conf_value_expected(const char *val, const char *forms,
    char *buf, size_t size);

/* yes/true/on/1 or no/false/off/0 into *out. Returns 0, or -1. */
int conf_value_bool(const char *s, bool *out);

/* Is s a table name: 1 to 31 letters, digits or _? */
bool conf_value_table(const char *s);

/* Why s is not an address or a CIDR block, into buf: host bits set (with
 * the block meant), or not an address (with the valid forms). */
void conf_value_bad_cidr(const char *s, char *buf, size_t size);

#endif
