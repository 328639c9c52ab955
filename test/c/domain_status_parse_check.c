/*
 * domain_status_parse_check.c
 *	  Stand-alone check of the pure C status parser (no server needed):
 *	  cc -Isrc -o /tmp/ds_check test/c/domain_status_parse_check.c \
 *	     src/domain_status_parse.c && /tmp/ds_check
 */
#include <stdio.h>
#include <string.h>

#include "domain_status_parse.h"

static int	failures = 0;

/* Parses len bytes and compares the canonical EPP text (or the error kind). */
static void
check_len(const char *input, size_t len, const char *want_text,
		  DomainStatusParseErrorKind want_error)
{
	DomainStatus mask = 0;
	DomainStatusParseError error;
	char		buf[DS_TEXT_BUFSIZE];
	bool		ok = ds_parse(input, len, &mask, &error);

	if (ok)
		ds_format(mask, ds_epp_names, buf, sizeof(buf));
	if (ok ? (want_text == NULL || strcmp(buf, want_text) != 0)
		: (want_text != NULL || error.kind != want_error))
	{
		printf("FAIL %-40s got %s (error %d)\n", input, ok ? buf : "error",
			   ok ? 0 : (int) error.kind);
		failures++;
	}
}

/* Parses a NUL-terminated input. */
static void
check(const char *input, const char *want_text, DomainStatusParseErrorKind want_error)
{
	check_len(input, strlen(input), want_text, want_error);
}

/* Every canonical value formats within DS_TEXT_BUFSIZE and parses back. */
static void
check_buffer_size(void)
{
	char		buf[DS_TEXT_BUFSIZE];
	size_t		len = ds_format(DS_ALL_BITS, ds_rdap_names, buf, sizeof(buf));
	size_t		want = 0;

	for (int i = 0; i < DS_NVALUES; i++)
		want += strlen(ds_rdap_names[i]) + (i > 0);
	if (len != want)
	{
		printf("FAIL buffer: formatted %zu of %zu bytes\n", len, want);
		failures++;
	}
}

int
main(void)
{
	check("", "ok", DS_PARSE_OK);
	check("  { }  ", "ok", DS_PARSE_OK);
	check("addPeriod", "ok,addPeriod", DS_PARSE_OK);
	check("ok,inactive", "inactive", DS_PARSE_OK);
	check("Active", "ok", DS_PARSE_OK);
	check("client transfer prohibited, CLIENTHOLD", "clientHold,clientTransferProhibited", DS_PARSE_OK);
	check("{\"client hold\",\"server hold\"}", "clientHold,serverHold", DS_PARSE_OK);
	check("{\"client\\ hold\"}", NULL, DS_PARSE_UNKNOWN_VALUE);
	check("clientHold,clientHold", "clientHold", DS_PARSE_OK);
	check("a,,b", NULL, DS_PARSE_EMPTY_ELEMENT);
	check("a,b", NULL, DS_PARSE_UNKNOWN_VALUE);
	check("ok,,ok", NULL, DS_PARSE_EMPTY_ELEMENT);
	check("ok,", NULL, DS_PARSE_EMPTY_ELEMENT);
	check(",ok", NULL, DS_PARSE_EMPTY_ELEMENT);
	check("{ok,}", NULL, DS_PARSE_EMPTY_ELEMENT);
	check("{ok", NULL, DS_PARSE_UNBALANCED_BRACE);
	check("{", NULL, DS_PARSE_UNBALANCED_BRACE);
	check("ok}", NULL, DS_PARSE_UNBALANCED_BRACE);
	check("}", NULL, DS_PARSE_UNBALANCED_BRACE);
	check("{}}", NULL, DS_PARSE_UNBALANCED_BRACE);
	check("{{ok}}", NULL, DS_PARSE_UNEXPECTED_CHAR);
	check("{ok}x", NULL, DS_PARSE_UNEXPECTED_CHAR);
	check("o\"k\"", NULL, DS_PARSE_UNEXPECTED_CHAR);
	check("\"clientHold\"x", NULL, DS_PARSE_UNEXPECTED_CHAR);
	check("\"clientHold\" , \"serverHold\"", "clientHold,serverHold", DS_PARSE_OK);
	check_len("ok\0", 3, NULL, DS_PARSE_UNKNOWN_VALUE);
	check_len("ok,\0", 4, NULL, DS_PARSE_UNKNOWN_VALUE);
	check("\"ok", NULL, DS_PARSE_UNTERMINATED_QUOTE);
	check("\"\"", NULL, DS_PARSE_UNKNOWN_VALUE);
	check("ok,clientHold", NULL, DS_PARSE_FORBIDDEN_COMBINATION);
	check("pendingTransfer,serverTransferProhibited", NULL, DS_PARSE_FORBIDDEN_COMBINATION);
	check("pendingCreate,pendingUpdate", NULL, DS_PARSE_FORBIDDEN_COMBINATION);
	check("pendingRestore,redemptionPeriod,pendingDelete", "pendingDelete,redemptionPeriod,pendingRestore", DS_PARSE_OK);
	{
		char		big[DS_INPUT_MAX_BYTES + 2];

		memset(big, ' ', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		check(big, NULL, DS_PARSE_TOO_LONG);
		big[sizeof(big) - 2] = '\0';
		check(big, "ok", DS_PARSE_OK);
	}
	check_buffer_size();
	printf("%s\n", failures ? "FAILED" : "all passed");
	return failures != 0;
}
