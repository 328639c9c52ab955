/*
 * fuzz_epp_notice.c
 *	  libFuzzer target for the EPP transfer-notice reader (src/epp_notice.c).
 *
 * Besides crashes and sanitizer reports, it checks the reader's promises:
 * a notice has a name and an RFC 5731 trStatus and only RFC 3339 dates; a
 * failure says why; nothing but a message with <authInfo> comes back
 * rewritten, and the rewritten form holds no <pw> content (but in a
 * comment or processing instruction, which the check cannot tell apart); the canonical
 * form exists for every well-formed EPP message; a document with a DOCTYPE
 * is never read (so no entity can be expanded or loaded).
 */
#include <stdint.h>
#include <string.h>

#include "epp_notice.h"
#include "fuzz_check.h"

/* Whether needle occurs in the first len bytes of hay. */
static int
contains(const uint8_t *hay, size_t len, const char *needle)
{
	size_t		n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	EppNotice	n;
	bool		zone;

	epp_notice_parse((const char *) data, size, &n);
	switch (n.kind)
	{
		case EPP_NOTICE_TRANSFER:
			FUZZ_CHECK(n.name && n.name[0] != '\0', "a notice has a name");
			FUZZ_CHECK(n.tr_status && epp_tr_status_index(n.tr_status) >= 0, "trStatus %s", n.tr_status ? n.tr_status : "(null)");
			FUZZ_CHECK(n.ns_uri != NULL, "a notice has its namespace");
			FUZZ_CHECK(!n.re_date || epp_time_is_readable(n.re_date, &zone), "reDate %s", n.re_date);
			FUZZ_CHECK(!n.ac_date || epp_time_is_readable(n.ac_date, &zone), "acDate %s", n.ac_date);
			FUZZ_CHECK(!n.ex_date || epp_time_is_readable(n.ex_date, &zone), "exDate %s", n.ex_date);
			FUZZ_CHECK(n.re_id_valid == (n.re_id && epp_clid_is_valid(n.re_id)), "reID validity");
			/* fall through */
		case EPP_NOTICE_OTHER:
			FUZZ_CHECK(n.canonical != NULL, "a well-formed EPP message has a canonical form");
			FUZZ_CHECK(n.kind == EPP_NOTICE_TRANSFER || n.error[0] == '\0', "no error for %d", n.kind);
			break;
		case EPP_NOTICE_MALFORMED:
		case EPP_NOTICE_NOT_EPP:
		case EPP_NOTICE_UNUSABLE:
			FUZZ_CHECK(n.error[0] != '\0', "a failure of kind %d says why", n.kind);
			break;
	}
	FUZZ_CHECK((n.stripped != NULL) == (n.authinfo_removed > 0), "stripped only with authInfo");
	if (n.stripped)
		FUZZ_CHECK(!contains((const uint8_t *) n.stripped, n.stripped_len, "pw>") ||
				   contains((const uint8_t *) n.stripped, n.stripped_len, "<!--") ||
				   contains((const uint8_t *) n.stripped, n.stripped_len, "<?"),
				   "no <pw> content left after stripping");
	if (contains(data, size, "<!DOCTYPE") && n.kind != EPP_NOTICE_MALFORMED)
		FUZZ_CHECK(0, "a document with a DOCTYPE is never read");
	epp_notice_free(&n);
	return 0;
}
