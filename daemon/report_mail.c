/*
 * report_mail: `dominoban report --mail-to`: the report as one mail,
 * multipart/alternative with the text and the HTML rendering, sent with
 * libcurl's SMTP client (never a hand-written one) to the given server,
 * smtp://localhost by default: on a Domino server, Domino itself. Built
 * only with libcurl (configure --with-curl).
 */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

/* Seconds the whole SMTP exchange may take. */
#define MAIL_TIMEOUT 60

/* A rendering into a malloc'd string; NULL when out of memory. */
static char *
rendered(const struct report *rep, void (*fn)(const struct report *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	fn(rep, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Whether s is a plain mail address: printable, no blank, no <>, one @. */
static bool
plain_address(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    strchr("<>()[],;:\\\"", *s) != NULL)
			return false;
	return true;
}

int
report_mail(const struct report *rep, const char *to, const char *from,
    const char *url)
{
	char host[256], sender[320], hdr[5][512], start[32], date[64];
	struct curl_slist *rcpt = NULL, *headers = NULL;
	char *text = NULL, *html = NULL, errbuf[CURL_ERROR_SIZE] = "";
	curl_mime *mime = NULL, *alt = NULL;
	curl_mimepart *part;
	time_t now = time(NULL);
	struct tm tm;
	CURLcode cc;
	CURL *curl = NULL;
	size_t k;
	int rc = EX_UNAVAILABLE;

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (from == NULL) {
		snprintf(sender, sizeof(sender), "dominoban@%s", host);
		from = sender;
	}
	if (!plain_address(to) || !plain_address(from)) {
		fprintf(stderr, "dominoban report: '%s': a plain address "
		    "(user@domain) is needed\n", plain_address(to) ? from : to);
		return EX_USAGE;
	}
	report_hour_str(rep->from, start, sizeof(start));
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	snprintf(hdr[0], sizeof(hdr[0]), "Date: %s", date);
	snprintf(hdr[1], sizeof(hdr[1]), "To: <%s>", to);
	snprintf(hdr[2], sizeof(hdr[2]), "From: dominoban <%s>", from);
	snprintf(hdr[3], sizeof(hdr[3]), "Subject: dominoban report %s: %llu "
	    "attack lines, %llu bans since %s", host,
	    (unsigned long long)rep->attacks, (unsigned long long)rep->bans, start);
	snprintf(hdr[4], sizeof(hdr[4]), "Message-ID: <dominoban-report-%lld-"
	    "%ld@%s>", (long long)now, (long)getpid(), host);

	if ((text = rendered(rep, report_text)) == NULL ||
	    (html = rendered(rep, report_html)) == NULL ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(text);
		free(html);
		return EX_OSERR;
	}
	if ((curl = curl_easy_init()) == NULL)
		goto out;
	for (k = 0; k < 5; k++)
		headers = curl_slist_append(headers, hdr[k]);
	rcpt = curl_slist_append(rcpt, to);
	/* multipart/mixed holding one multipart/alternative: text, HTML. */
	mime = curl_mime_init(curl);
	alt = curl_mime_init(curl);
	part = curl_mime_addpart(alt);
	curl_mime_data(part, text, CURL_ZERO_TERMINATED);
	curl_mime_type(part, "text/plain; charset=utf-8");
	curl_mime_encoder(part, "quoted-printable");
	part = curl_mime_addpart(alt);
	curl_mime_data(part, html, CURL_ZERO_TERMINATED);
	curl_mime_type(part, "text/html; charset=utf-8");
	curl_mime_encoder(part, "quoted-printable");
	part = curl_mime_addpart(mime);
	curl_mime_subparts(part, alt);
	curl_mime_type(part, "multipart/alternative");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)MAIL_TIMEOUT);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if ((cc = curl_easy_perform(curl)) != CURLE_OK) {
		fprintf(stderr, "dominoban report: mail to %s through %s not "
		    "sent: %s\n", to, url, errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
		rc = cc == CURLE_UNSUPPORTED_PROTOCOL ||
		    cc == CURLE_URL_MALFORMAT ? EX_USAGE : EX_UNAVAILABLE;
	} else {
		fprintf(stderr, "dominoban report: mailed to %s through %s\n",
		    to, url);
		rc = EX_OK;
	}
out:
	curl_slist_free_all(rcpt);
	curl_slist_free_all(headers);
	curl_mime_free(mime);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	curl_global_cleanup();
	free(text);
	free(html);
	return rc;
}
