/*
 * epp_notice.c
 *	  Reads EPP transfer notices with libxml2 (see epp_notice.h).
 *
 * Floor: plain C with libxml2, the lowest (no PostgreSQL header; fuzzed
 * outside the server); used by registry_message.c.
 *
 * Recognising a notice (the choices SPEC §8 leaves open):
 *	- the root element is <epp> in any namespace (registries such as NASK
 *	  use their own EPP namespace), with a <response> child in the root's
 *	  namespace; anything else well-formed is EPP_NOTICE_NOT_EPP (no root
 *	  <epp>) or EPP_NOTICE_OTHER (e.g. a <greeting> or a <command>);
 *	- the notice is the first child element of <response>/<resData> whose
 *	  local name is "trnData", whatever its prefix, with a <name> and a
 *	  <trStatus> in its own namespace, and either a domain namespace whose
 *	  URI's last segment (after its last ':' or '/') is "domain-" followed
 *	  by a digit (urn:ietf:params:xml:ns:domain-1.0, NASK's
 *	  http://www.dns.pl/nask-epp-schema/domain-2.1, ...), or (SPEC §8
 *	  0.3.0: a registry's own, whatever the URI's shape) one whose last
 *	  segment begins with "domain" in any case (.ee's
 *	  https://epp.tld.ee/schema/domain-eis-1.0.xsd) when the trnData has
 *	  RFC 5731's whole element set (name, trStatus, reID, reDate, acID,
 *	  acDate); a registry's own object with those elements in another
 *	  namespace (NASK's future-2.1) is not a domain;
 *	- dates are RFC 3339 date-times, or XML Schema dateTimes without a zone
 *	  (returned as sent; apply_registry_message reads them in the TLD's
 *	  registry_time_zone).  A contact's trnData, a trnData inside <extension>,
 *	  a registry's own notice (FRED's domain trnData has no trStatus) are
 *	  EPP_NOTICE_OTHER.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "epp_notice.h"

const char *const epp_tr_status_names[EPP_TR_STATUS_COUNT] = {
	"clientApproved", "clientCancelled", "clientRejected",
	"pending", "serverApproved", "serverCancelled"
};

/* The elements of an RFC 5731 <trnData>, in schema order. */
enum
{
	TRN_NAME, TRN_TR_STATUS, TRN_RE_ID, TRN_RE_DATE, TRN_AC_ID, TRN_AC_DATE,
	TRN_EX_DATE, TRN_COUNT
};
static const char *const trn_elements[TRN_COUNT] = {
	"name", "trStatus", "reID", "reDate", "acID", "acDate", "exDate"
};

static inline bool
xml_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void
set_error(EppNotice *out, EppNoticeKind kind, const char *what, const char *arg)
{
	out->kind = kind;
	snprintf(out->error, sizeof(out->error), what, arg ? arg : "");
}

/* A malloc'd copy of s without leading and trailing XML white space. */
static char *
trimmed_copy(const char *s)
{
	size_t		len;
	char	   *copy;

	while (xml_space((unsigned char) *s))
		s++;
	len = strlen(s);
	while (len > 0 && xml_space((unsigned char) s[len - 1]))
		len--;
	copy = malloc(len + 1);
	if (copy)
	{
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

static char *
node_text(xmlNodePtr node)
{
	xmlChar    *content = xmlNodeGetContent(node);
	char	   *copy = trimmed_copy(content ? (const char *) content : "");

	xmlFree(content);
	return copy;
}

static bool
named(xmlNodePtr node, const char *local_name)
{
	return node->type == XML_ELEMENT_NODE &&
		strcmp((const char *) node->name, local_name) == 0;
}

static bool
same_ns(xmlNodePtr node, const xmlChar *uri)
{
	const xmlChar *own = node->ns ? node->ns->href : NULL;

	if (own == NULL || uri == NULL)
		return own == uri;
	return xmlStrEqual(own, uri);
}

static xmlNodePtr
child_named(xmlNodePtr parent, const char *local_name, const xmlChar *uri)
{
	for (xmlNodePtr c = parent->children; c; c = c->next)
		if (named(c, local_name) && same_ns(c, uri))
			return c;
	return NULL;
}

/* A domain namespace: the URI's last segment is "domain-<digit>...". */
static bool
is_domain_namespace(const xmlChar *uri)
{
	const char *s;
	const char *last;

	if (uri == NULL)
		return false;
	s = (const char *) uri;
	last = s;
	for (const char *p = s; *p; p++)
		if (*p == ':' || *p == '/')
			last = p + 1;
	return strncmp(last, "domain-", 7) == 0 && is_digit(last[7]);
}

/*
 * A registry's own domain namespace, whatever the URI's shape: its last
 * segment (after its last ':' or '/') begins with "domain", in any case
 * (https://epp.tld.ee/schema/domain-eis-1.0.xsd, urn:example:xml:ns:domain,
 * http://registry.example/epp/Domain.xsd).
 */
static bool
names_domain(const xmlChar *uri)
{
	const char *last = (const char *) uri;

	for (const char *p = (const char *) uri; *p; p++)
		if (*p == ':' || *p == '/')
			last = p + 1;
	return strncasecmp(last, "domain", 6) == 0;
}

/*
 * The elements RFC 5731 §3.1.3 requires in a <trnData>: name, trStatus,
 * reID, reDate, acID, acDate, all in the trnData's namespace.  A registry's
 * own domain namespace is recognised by them, whatever its URI looks like
 * (a URN, a URL, a schema file name with a registry suffix).
 */
static bool
has_rfc5731_elements(xmlNodePtr trn, const xmlChar *uri)
{
	for (int i = TRN_NAME; i <= TRN_AC_DATE; i++)
		if (child_named(trn, trn_elements[i], uri) == NULL)
			return false;
	return true;
}

int
epp_tr_status_index(const char *s)
{
	for (int i = 0; i < EPP_TR_STATUS_COUNT; i++)
		if (strcmp(s, epp_tr_status_names[i]) == 0)
			return i;
	return -1;
}

static int
days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* n digits at s as a number, -1 if they are not all digits. */
static int
digits(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * RFC 3339 §5.6 date-time: full-date "T" full-time, with a time-offset; or,
 * when zone_optional, the same without the offset (XML Schema's dateTime
 * allows that and some registries send it: *has_zone tells which).
 * Leap seconds (:60) are refused (PostgreSQL cannot represent them); an
 * offset is at most ±15:59 (PostgreSQL's range; real ones are within ±14).
 */
static bool
epp_time_check(const char *s, bool zone_optional, bool *has_zone)
{
	int			year, month, day, hour, minute, second;
	const char *p;

	*has_zone = false;
	if (strlen(s) < 19)
		return false;
	year = digits(s, 4);
	month = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	minute = digits(s + 14, 2);
	second = digits(s + 17, 2);
	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
		s[13] != ':' || s[16] != ':')
		return false;
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
		day > days_in_month(year, month) || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || second < 0 || second > 59)
		return false;
	p = s + 19;
	if (*p == '.')
	{
		p++;
		if (!is_digit(*p))
			return false;
		while (is_digit(*p))
			p++;
	}
	if (*p == '\0')
		return zone_optional;
	*has_zone = true;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return true;
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':')
	{
		int			oh = digits(p + 1, 2);
		int			om = digits(p + 4, 2);

		return oh >= 0 && oh <= 15 && om >= 0 && om <= 59;
	}
	return false;
}

bool
epp_time_is_rfc3339(const char *s)
{
	bool		has_zone;

	return epp_time_check(s, false, &has_zone);
}

bool
epp_time_is_readable(const char *s, bool *has_zone)
{
	return epp_time_check(s, true, has_zone);
}

/*
 * RFC 5730 clIDType: an XML token (no CR, LF or tab, no leading, trailing
 * or doubled space) of 3 to 16 characters, and (SPEC §1b) no control
 * characters.
 */
bool
epp_clid_is_valid(const char *s)
{
	size_t		chars = 0;
	size_t		len = strlen(s);

	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c < 0x20 || c == 0x7f || (c == ' ' && s[i + 1] == ' '))
			return false;
		/* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8 */
		if (c == 0xc2 && (unsigned char) s[i + 1] >= 0x80 && (unsigned char) s[i + 1] <= 0x9f)
			return false;
		if ((c & 0xc0) != 0x80)
			chars++;
	}
	return chars >= 3 && chars <= 16;
}

/* SAX hook: a <!DOCTYPE> stops the parse before its declarations are read. */
static void
refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
			   const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr) ctx;

	*(bool *) ctxt->_private = true;
	xmlStopParser(ctxt);
}

/* An element's local name, also when libxml2 kept an unbound "p:name" whole. */
static inline const char *
local_name(xmlNodePtr node)
{
	const char *colon = strrchr((const char *) node->name, ':');

	return colon ? colon + 1 : (const char *) node->name;
}

/*
 * Empties every element that holds a secret, in any namespace: <authInfo>
 * (RFC 5731/5733 auth codes) and <pw>, <newPW> (RFC 5730 login passwords,
 * e.g. of a command handed in by mistake); returns how many.
 */
static int
strip_auth_info(xmlNodePtr node)
{
	int			removed = 0;

	for (xmlNodePtr c = node->children; c; c = c->next)
	{
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp(local_name(c), "authInfo") == 0 ||
			strcmp(local_name(c), "pw") == 0 ||
			strcmp(local_name(c), "newPW") == 0)
		{
			xmlNodePtr	child = c->children;

			while (child)
			{
				xmlNodePtr	next = child->next;

				xmlUnlinkNode(child);
				xmlFreeNode(child);
				child = next;
			}
			removed++;
		}
		else
			removed += strip_auth_info(c);
	}
	return removed;
}

/* Reads the <trnData> children into out; false (UNUSABLE) on a problem. */
static bool
read_trn_data(xmlNodePtr trn, EppNotice *out)
{
	char	   *fields[TRN_COUNT] = {0};
	bool		ok = true;

	for (xmlNodePtr c = trn->children; c && ok; c = c->next)
	{
		if (c->type != XML_ELEMENT_NODE || !same_ns(c, trn->ns ? trn->ns->href : NULL))
			continue;
		for (int i = 0; i < TRN_COUNT; i++)
		{
			if (strcmp((const char *) c->name, trn_elements[i]) != 0)
				continue;
			if (fields[i])
			{
				set_error(out, EPP_NOTICE_UNUSABLE, "element <%s> appears more than once", trn_elements[i]);
				ok = false;
			}
			else
				fields[i] = node_text(c);
			break;
		}
	}
	out->name = fields[TRN_NAME];
	out->tr_status = fields[TRN_TR_STATUS];
	out->re_id = fields[TRN_RE_ID];
	out->re_date = fields[TRN_RE_DATE];
	out->ac_id = fields[TRN_AC_ID];
	out->ac_date = fields[TRN_AC_DATE];
	out->ex_date = fields[TRN_EX_DATE];
	if (!ok)
		return false;

	for (int i = 0; i < TRN_COUNT; i++)
		if (fields[i] && fields[i][0] == '\0' && i != TRN_AC_ID)
		{
			set_error(out, EPP_NOTICE_UNUSABLE, "element <%s> is empty", trn_elements[i]);
			return false;
		}
	if (epp_tr_status_index(out->tr_status) < 0)
	{
		set_error(out, EPP_NOTICE_UNUSABLE, "unknown trStatus \"%.64s\" (RFC 5731 §3.2.4)", out->tr_status);
		return false;
	}
	for (int k = 0; k < 3; k++)
	{
		static const int dates[3] = {TRN_RE_DATE, TRN_AC_DATE, TRN_EX_DATE};
		int			i = dates[k];
		char	   *t = fields[i];

		bool		has_zone;

		if (t == NULL)
			continue;
		if (!epp_time_is_readable(t, &has_zone))
		{
			set_error(out, EPP_NOTICE_UNUSABLE, "element <%s> is not a date-time (RFC 3339, or XML Schema's without a zone)", trn_elements[i]);
			return false;
		}
		(void) has_zone;		/* the SQL side reads a zone-less one in the TLD's zone */
		for (char *p = t; *p; p++)
			if (*p == 't' || *p == 'z')
				*p = (char) (*p - 'a' + 'A');
	}
	out->re_id_valid = out->re_id != NULL && epp_clid_is_valid(out->re_id);
	return true;
}

/* The message after the XML layer: root, response, resData, trnData. */
static void
read_message(xmlDocPtr doc, EppNotice *out)
{
	xmlNodePtr	root = xmlDocGetRootElement(doc);
	const xmlChar *epp_ns;
	xmlNodePtr	response;
	xmlNodePtr	node;

	if (root == NULL || !named(root, "epp"))
	{
		set_error(out, EPP_NOTICE_NOT_EPP, "the root element is <%.64s>, not an EPP <epp> element",
				  root ? (const char *) root->name : "");
		return;
	}
	if (root->ns == NULL)
	{
		set_error(out, EPP_NOTICE_NOT_EPP, "the root element <epp> has no namespace (RFC 5730: urn:ietf:params:xml:ns:epp-1.0)", NULL);
		return;
	}
	epp_ns = root->ns->href;
	out->epp_ns_uri = strdup((const char *) epp_ns);
	out->kind = EPP_NOTICE_OTHER;
	response = child_named(root, "response", epp_ns);
	if (response == NULL)
		return;
	if ((node = child_named(response, "result", epp_ns)) != NULL)
	{
		xmlChar    *code = xmlGetProp(node, (const xmlChar *) "code");

		if (code && strlen((const char *) code) == 4 && digits((const char *) code, 4) >= 0)
			out->result_code = digits((const char *) code, 4);
		xmlFree(code);
	}
	if ((node = child_named(response, "msgQ", epp_ns)) != NULL)
	{
		xmlChar    *id = xmlGetProp(node, (const xmlChar *) "id");

		if (id)
			out->msgq_id = trimmed_copy((const char *) id);
		xmlFree(id);
	}
	if ((node = child_named(response, "resData", epp_ns)) == NULL)
		return;
	for (xmlNodePtr c = node->children; c; c = c->next)
	{
		const xmlChar *uri;

		if (!named(c, "trnData") || c->ns == NULL)
			continue;
		uri = c->ns->href;
		if (child_named(c, "name", uri) == NULL || child_named(c, "trStatus", uri) == NULL)
			continue;
		/*
		 * a domain namespace of another shape: only with RFC 5731's whole
		 * set (a registry's own object with the same elements, such as
		 * NASK's future-2.1, is not a domain)
		 */
		if (!is_domain_namespace(uri) &&
			!(names_domain(uri) && has_rfc5731_elements(c, uri)))
			continue;
		out->ns_uri = strdup((const char *) uri);
		out->kind = EPP_NOTICE_TRANSFER;
		read_trn_data(c, out);
		return;
	}
}

void
epp_notice_parse(const char *buf, size_t len, EppNotice *out)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr	doc;
	bool		saw_doctype = false;
	xmlChar    *mem = NULL;
	int			mem_len = 0;

	memset(out, 0, sizeof(*out));
	out->result_code = -1;
	if (len > INT32_MAX)
	{
		set_error(out, EPP_NOTICE_MALFORMED, "message too long", NULL);
		return;
	}
	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
	{
		set_error(out, EPP_NOTICE_MALFORMED, "out of memory", NULL);
		return;
	}
	ctxt->_private = &saw_doctype;
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->sax->externalSubset = refuse_doctype;
	doc = xmlCtxtReadMemory(ctxt, buf, (int) len, NULL, NULL,
							XML_PARSE_NONET | XML_PARSE_NOERROR |
							XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS |
							XML_PARSE_NOCDATA);
	if (saw_doctype)
		set_error(out, EPP_NOTICE_MALFORMED, "document has a DOCTYPE declaration (DTDs and entities are never read)", NULL);
	/* a prefix without a namespace is no EPP (RFC 5730 §2: XML Namespaces) */
	else if (doc == NULL || !ctxt->wellFormed || !ctxt->nsWellFormed)
	{
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char		message[200] = "not well-formed";

		if (e && e->message)
		{
			snprintf(message, sizeof(message), "%s", e->message);
			for (size_t i = strlen(message); i > 0 && xml_space((unsigned char) message[i - 1]); i--)
				message[i - 1] = '\0';
		}
		snprintf(out->error, sizeof(out->error), "malformed XML at line %d: %s",
				 e ? e->line : 0, message);
		out->kind = EPP_NOTICE_MALFORMED;
	}
	else if (doc->encoding && strcasecmp((const char *) doc->encoding, "UTF-8") != 0 &&
			 strcasecmp((const char *) doc->encoding, "UTF8") != 0)
		set_error(out, EPP_NOTICE_MALFORMED, "encoding \"%.40s\" is declared; EPP messages are UTF-8 (RFC 5730 §2.1)",
				  (const char *) doc->encoding);
	else
	{
		read_message(doc, out);
		if (out->kind != EPP_NOTICE_NOT_EPP)
		{
			out->authinfo_removed = strip_auth_info((xmlNodePtr) doc);
			if (out->authinfo_removed > 0)
			{
				xmlDocDumpMemoryEnc(doc, &mem, &mem_len, "UTF-8");
				if (mem)
				{
					out->stripped = malloc((size_t) mem_len + 1);
					if (out->stripped)
					{
						memcpy(out->stripped, mem, (size_t) mem_len);
						out->stripped[mem_len] = '\0';
						out->stripped_len = (size_t) mem_len;
					}
					xmlFree(mem);
				}
				if (out->stripped == NULL)
					set_error(out, EPP_NOTICE_MALFORMED, "out of memory", NULL);
			}
			mem = NULL;
			mem_len = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0, &mem);
			if (mem_len >= 0 && mem)
			{
				out->canonical = malloc((size_t) mem_len + 1);
				if (out->canonical)
				{
					memcpy(out->canonical, mem, (size_t) mem_len);
					out->canonical[mem_len] = '\0';
					out->canonical_len = (size_t) mem_len;
				}
			}
			xmlFree(mem);
			if (out->canonical == NULL)
				set_error(out, EPP_NOTICE_MALFORMED, "the document cannot be canonicalised", NULL);
		}
	}
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
}

void
epp_notice_free(EppNotice *notice)
{
	free(notice->msgq_id);
	free(notice->ns_uri);
	free(notice->epp_ns_uri);
	free(notice->name);
	free(notice->tr_status);
	free(notice->re_id);
	free(notice->re_date);
	free(notice->ac_id);
	free(notice->ac_date);
	free(notice->ex_date);
	free(notice->canonical);
	free(notice->stripped);
	memset(notice, 0, sizeof(*notice));
}
