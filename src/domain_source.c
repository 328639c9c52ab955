/*
 * domain_source.c
 *	  The registrar's own domains table (SPEC §10).
 *
 * domxfer reads the domains it works on from domxfer.domains or from a
 * table or view of the registrar's, through a map from domxfer's column
 * names to SQL expressions over that source. This file
 *	 - reads one map expression the way PostgreSQL reads a view's column
 *	   (parse analysis with the attaching session's search_path) and prints
 *	   it back with every name fixed (deparsed with an empty search_path);
 *	 - runs what attach_domains generated (reading a domain, writing a
 *	   completed transfer, the registrar's hooks, the guard triggers) with the
 *	   privileges of the role that attached the source, never as the
 *	   extension's owner, however a SECURITY DEFINER lifecycle function or
 *	   the background worker reached it;
 *	 - keeps domxfer's own per-domain state (the open transfer) as an
 *	   in-memory set per snapshot, so a whole-table report over the
 *	   registrar's table pays no table lookup per row (SPEC §1 R5b);
 *	 - reads a registrar's status column leniently (status_unreadable);
 *	 - refuses a plain DROP EXTENSION while a source is attached.
 *
 * Floor: PostgreSQL's parser, SPI and catalog; domain_name_check.h and
 * domain_status_parse.h. Nothing of the lifecycle, worker or check service.
 */
#include "postgres.h"

#include "pg_compat.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "common/hashfn.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/ruleutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "domain_name_check.h"
#include "domxfer.h"
#include "domain_source.h"
#include "domain_status.h"
#include "domain_status_parse.h"

bool		domain_source_lifecycle_write = false;

PG_FUNCTION_INFO_V1(domxfer_map_expression);
PG_FUNCTION_INFO_V1(domxfer_domain_row);
PG_FUNCTION_INFO_V1(domxfer_domain_row_for_update);
PG_FUNCTION_INFO_V1(domxfer_source_exec);
PG_FUNCTION_INFO_V1(domxfer_source_guard);
PG_FUNCTION_INFO_V1(domxfer_drop_guard);
PG_FUNCTION_INFO_V1(domxfer_domain_source_changed);
PG_FUNCTION_INFO_V1(domxfer_source_attached);
PG_FUNCTION_INFO_V1(domxfer_canonical_name);
PG_FUNCTION_INFO_V1(domxfer_open_transfer_id);
PG_FUNCTION_INFO_V1(domxfer_status_with_open);
PG_FUNCTION_INFO_V1(domxfer_status_with_pending);
PG_FUNCTION_INFO_V1(domxfer_status_lenient_text);
PG_FUNCTION_INFO_V1(domxfer_status_lenient_array);

/* The open states of a transfer (SPEC §2), as the SQL of this file names them. */
#define OPEN_STATES "'awaiting_documents', 'auth_code_issued', 'pending'"

/* ---------------------------------------------------------------------
 * Names
 * --------------------------------------------------------------------- */

/*
 * The canonical (lower-case A-label, no trailing dot) form of a name as a
 * registrar may store it, or NULL when it is not a name. Plain ASCII, which
 * nearly every row is, is lower-cased without ICU.
 */
static char *
canonical_name(const char *s, size_t len)
{
	char	   *out;
	bool		ascii = true;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
		{
			ascii = false;
			break;
		}
	if (ascii)
	{
		if (len > 0 && s[len - 1] == '.')
			len--;
		out = palloc(len + 1);
		for (size_t i = 0; i < len; i++)
			out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + ('a' - 'A') : s[i];
		out[len] = '\0';
		return out;
	}
	else
	{
		char		buf[DOMAIN_NAME_BUFSIZE];
		DomainNameError *err = palloc(sizeof(DomainNameError));
		int			n = domain_name_to_ascii(s, len, buf, sizeof(buf), err);

		pfree(err);
		return n < 0 ? NULL : pnstrdup(buf, n);
	}
}

/*
 * domxfer._canonical_name(text) → text: a registrar's spelling of a name in
 * canonical form (the input unchanged when it is no domain name at all).
 */
Datum
domxfer_canonical_name(PG_FUNCTION_ARGS)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	char	   *c = canonical_name(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name));

	if (c == NULL)
		PG_RETURN_TEXT_P(name);
	PG_RETURN_TEXT_P(cstring_to_text(c));
}

/* ---------------------------------------------------------------------
 * Reading a map expression
 * --------------------------------------------------------------------- */

/* Sets search_path for the current GUC nest level (undone by AtEOXact_GUC). */
static void
set_search_path(const char *path)
{
	(void) set_config_option("search_path", path, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * A function a map may call: one a superuser owns (built in, or installed
 * by one), or a SECURITY DEFINER one, which runs as its owner. Any other
 * would run with the privileges of whoever reads a report over the map,
 * a superuser too (functions in a view run as the querying role).
 */
static bool
map_function_ok(Oid funcid, void *context)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	Form_pg_proc proc;
	bool		ok;

	if (!HeapTupleIsValid(tup))
		return false;
	proc = (Form_pg_proc) GETSTRUCT(tup);
	/* and never a volatile one: set_config, pg_terminate_backend, nextval ... */
	ok = (superuser_arg(proc->proowner) || proc->prosecdef) &&
		proc->provolatile != PROVOLATILE_VOLATILE;
	if (!ok)
	{
		((Oid *) context)[0] = funcid;
		((Oid *) context)[1] = proc->proowner;
	}
	ReleaseSysCache(tup);
	return !ok;
}

/* Walks an expression and its subqueries; true at the first bad function. */
static bool
map_functions_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, map_functions_walker, context, 0);
	if (check_functions_in_node(node, map_function_ok, context))
		return true;
	return expression_tree_walker(node, map_functions_walker, context);
}

/*
 * domxfer._map_expression(source regclass, expression text, search_path
 * text) → (expression text, type regtype, columns name[]): one map value
 * parsed as PostgreSQL parses `SELECT <expression> FROM source` with that
 * search_path, and printed back with every name outside pg_catalog
 * qualified and the source's columns as d.<column>; columns lists the
 * source's columns it reads (NULL when it reads the whole row) and bare,
 * the expression without the d. prefix (as pg_get_indexdef prints one).
 */
Datum
domxfer_map_expression(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *src = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *path = text_to_cstring(PG_GETARG_TEXT_PP(2));
	List	   *raw;
	RawStmt    *rs;
	SelectStmt *sel;
	Query	   *query;
	TargetEntry *te;
	Node	   *expr;
	List	   *vars;
	ListCell   *lc;
	char	   *printed;
	TupleDesc	resdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	char	   *bare;
	Datum	   *cols;
	int			ncols = 0;
	bool		whole_row = false;
	int			nest;

	if (get_call_result_type(fcinfo, NULL, &resdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	nest = NewGUCNestLevel();
	set_search_path(path);

	raw = raw_parser(src, RAW_PARSE_PLPGSQL_EXPR);
	rs = linitial_node(RawStmt, raw);
	sel = (SelectStmt *) rs->stmt;
	if (list_length(raw) != 1 || !IsA(sel, SelectStmt) ||
		list_length(sel->targetList) != 1 || sel->fromClause != NIL ||
		sel->whereClause != NULL || sel->groupClause != NIL ||
		sel->havingClause != NULL || sel->windowClause != NIL ||
		sel->sortClause != NIL || sel->limitCount != NULL ||
		sel->limitOffset != NULL || sel->lockingClause != NIL ||
		sel->distinctClause != NIL || sel->withClause != NULL ||
		((ResTarget *) linitial(sel->targetList))->name != NULL ||
		IsA(((ResTarget *) linitial(sel->targetList))->val, A_Star))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("a map value must be one SQL expression"),
				 errdetail("It is used as a column of SELECT ... FROM the source, so FROM, WHERE, AS and the like belong in a scalar subquery: (SELECT ...).")));

	sel->fromClause = list_make1(makeRangeVar(get_namespace_name(get_rel_namespace(relid)),
											  get_rel_name(relid), -1));
#if PG_VERSION_NUM >= 150000
	query = parse_analyze_fixedparams(rs, src, NULL, 0, NULL);
#else
	query = parse_analyze(rs, src, NULL, 0, NULL);
#endif
	if (query->hasAggs)
		ereport(ERROR,
				(errcode(ERRCODE_GROUPING_ERROR),
				 errmsg("aggregate functions are not allowed in a map value"),
				 errhint("Aggregate in a scalar subquery: (SELECT max(...) FROM ... WHERE ...).")));
	if (query->hasWindowFuncs)
		ereport(ERROR,
				(errcode(ERRCODE_WINDOWING_ERROR),
				 errmsg("window functions are not allowed in a map value")));
	if (query->hasTargetSRFs)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-returning functions are not allowed in a map value")));

	if (list_length(query->targetList) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("a map value must be one SQL expression"),
				 errdetail("It gives %d columns.", list_length(query->targetList))));
	te = linitial_node(TargetEntry, query->targetList);
	expr = (Node *) te->expr;
	{
		Oid			bad[2] = {InvalidOid, InvalidOid};

		if (map_functions_walker(expr, bad))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("function %s may not be used in a map", format_procedure(bad[0])),
					 errdetail("Reports over the map run it with the privileges of whoever reads them: a map may call only functions that are not VOLATILE and are owned by a superuser or SECURITY DEFINER (%s owns this one).",
							   GetUserNameFromId(bad[1], true)),
					 errhint("Use a STABLE or IMMUTABLE function owned by a superuser, or make your own SECURITY DEFINER (with a pinned search_path) and STABLE.")));
	}

	vars = pull_vars_of_level(expr, 0);
	cols = palloc(sizeof(Datum) * (list_length(vars) + 1));
	foreach(lc, vars)
	{
		Var		   *v = (Var *) lfirst(lc);

		if (!IsA(v, Var))
			continue;
		if (v->varattno <= 0)
		{
			whole_row = true;
			break;
		}
		cols[ncols++] = CStringGetDatum(get_attname(relid, v->varattno, false));
	}

	/* printed with no schema in search_path: every other name is qualified */
	set_search_path("");
	printed = deparse_expression(expr, deparse_context_for("d", relid), true, false);
	bare = deparse_expression(expr, deparse_context_for(get_rel_name(relid), relid), false, false);
	AtEOXact_GUC(true, nest);

	values[0] = CStringGetTextDatum(printed);
	values[1] = ObjectIdGetDatum(exprType(expr));
	if (whole_row)
		nulls[2] = true;
	else
	{
		Datum	   *names = palloc(sizeof(Datum) * (ncols + 1));

		for (int i = 0; i < ncols; i++)
			names[i] = DirectFunctionCall1(namein, cols[i]);
		values[2] = PointerGetDatum(construct_array(names, ncols, NAMEOID,
													NAMEDATALEN, false, TYPALIGN_CHAR));
	}
	values[3] = CStringGetTextDatum(bare);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(resdesc, values, nulls)));
}

/* ---------------------------------------------------------------------
 * Running generated SQL as the role that attached the source
 * --------------------------------------------------------------------- */

/* The attachment: which role, and the generated statements (palloc'd). */
typedef struct Attachment
{
	bool		attached;
	Oid			role;
	char	   *row_query;
	char	   *row_lock_query;
	char	   *transferred_query;
	char	   *state_query;
	char	   *guard_query;
} Attachment;

/*
 * Plans kept across calls (SPI_keepplan; the plan cache invalidates them
 * when the tables change), keyed by the statement's text: a lifecycle call
 * reads a domain several times, and planning dominated each read.
 */
#define PLAN_CACHE_SIZE 8
typedef struct CachedStatement
{
	char	   *sql;
	int			nargs;
	Oid			types[4];		/* the parameters' types (nargs <= 4) */
	SPIPlanPtr	plan;
} CachedStatement;
static CachedStatement plan_cache[PLAN_CACHE_SIZE];
static int	plan_cache_next = 0;

/* The kept plan of sql (prepared on first use, inside SPI). */
static SPIPlanPtr
cached_plan(const char *sql, int nargs, Oid *types)
{
	CachedStatement *c;

	Assert(nargs <= lengthof(plan_cache[0].types));
	for (int i = 0; i < PLAN_CACHE_SIZE; i++)
		if (plan_cache[i].sql != NULL && plan_cache[i].nargs == nargs &&
			(nargs == 0 || memcmp(plan_cache[i].types, types, nargs * sizeof(Oid)) == 0) &&
			strcmp(plan_cache[i].sql, sql) == 0)
			return plan_cache[i].plan;
	c = &plan_cache[plan_cache_next];
	plan_cache_next = (plan_cache_next + 1) % PLAN_CACHE_SIZE;
	if (c->sql != NULL)
	{
		SPI_freeplan(c->plan);
		pfree(c->sql);
		c->sql = NULL;
	}
	c->plan = SPI_prepare(sql, nargs, types);
	if (c->plan == NULL)
		elog(ERROR, "preparing a statement of the domains source failed: %s",
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(c->plan);
	c->nargs = nargs;
	if (nargs > 0)
		memcpy(c->types, types, nargs * sizeof(Oid));
	c->sql = MemoryContextStrdup(TopMemoryContext, sql);
	return c->plan;
}

/* A text column of the current SPI row, or NULL. */
static char *
spi_text(int col)
{
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
}

/*
 * The attachment as this backend last read it. Reading domxfer.domain_source
 * on every domain read was a query per read; its rows change only when a
 * source is attached or detached (or a dump restores one), and the
 * statement trigger _domain_source_changed then queues a relcache
 * invalidation of the table, which the callback below turns into a re-read,
 * in this backend at the next command and in the others at commit.
 */
static Attachment cached_attachment;
static bool attachment_valid = false;
static Oid	attachment_relid = InvalidOid;
static bool attachment_callback_registered = false;
/* Bumped by every invalidation, to detect one that arrives during a read. */
static uint64 attachment_invalidations = 0;

/* Marks the attachment stale when domain_source (or every relation) is invalidated. */
static void
attachment_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == attachment_relid)
	{
		attachment_valid = false;
		attachment_invalidations++;
	}
}

/* A copy in TopMemoryContext of a palloc'd string (or NULL), freeing old. */
static char *
keep_string(char *old, const char *s)
{
	if (old != NULL)
		pfree(old);
	return s == NULL ? NULL : MemoryContextStrdup(TopMemoryContext, s);
}

/* Reads domxfer.domain_source into the cache (inside SPI). */
static void
load_attachment(void)
{
	int			ret;
	bool		isnull;
	Oid			save_user;
	int			save_sec;
	uint64		invalidations_before;
	Attachment *c = &cached_attachment;

	if (!attachment_callback_registered)
	{
		CacheRegisterRelcacheCallback(attachment_relcache_callback, (Datum) 0);
		attachment_callback_registered = true;
	}
	attachment_relid = get_relname_relid("domain_source", get_namespace_oid("domxfer", false));
	invalidations_before = attachment_invalidations;

	/*
	 * Read as the bootstrap superuser: the guard trigger fires for every
	 * role writing the registrar's table, domxfer's roles or not; the
	 * statement is fixed and reads nothing else.
	 */
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	ret = SPI_execute_plan(cached_plan("SELECT s.attached_by::pg_catalog.regrole::pg_catalog.oid, s.row_query, "
									   "s.row_lock_query, s.transferred_query, s.state_query, s.guard_query "
									   "FROM domxfer.domain_source s", 0, NULL),
						   NULL, NULL, true, 2);
	SetUserIdAndSecContext(save_user, save_sec);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading domxfer.domain_source failed: %s", SPI_result_code_string(ret));
	c->attached = SPI_processed > 0;
	c->role = InvalidOid;
	if (c->attached)
		c->role = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	c->row_query = keep_string(c->row_query, c->attached ? spi_text(2) : NULL);
	c->row_lock_query = keep_string(c->row_lock_query, c->attached ? spi_text(3) : NULL);
	c->transferred_query = keep_string(c->transferred_query, c->attached ? spi_text(4) : NULL);
	c->state_query = keep_string(c->state_query, c->attached ? spi_text(5) : NULL);
	c->guard_query = keep_string(c->guard_query, c->attached ? spi_text(6) : NULL);
	/* an invalidation during the read leaves the cache stale for the next call */
	attachment_valid = (attachment_invalidations == invalidations_before);
}

/*
 * The attachment (inside SPI); attached = false when none. The statements
 * are copied into the caller's context: a nested read may reload the cache.
 */
static void
read_attachment(Attachment *a)
{
	const Attachment *c = &cached_attachment;

	if (!attachment_valid)
		load_attachment();
	a->attached = c->attached;
	a->role = c->role;
	a->row_query = c->row_query ? pstrdup(c->row_query) : NULL;
	a->row_lock_query = c->row_lock_query ? pstrdup(c->row_lock_query) : NULL;
	a->transferred_query = c->transferred_query ? pstrdup(c->transferred_query) : NULL;
	a->state_query = c->state_query ? pstrdup(c->state_query) : NULL;
	a->guard_query = c->guard_query ? pstrdup(c->guard_query) : NULL;
}

/*
 * domxfer._source_attached() → boolean: whether a source is attached, from
 * the cache (as an SQL function reading domain_source it was planned again
 * on every call, 0.04 ms, twice per lifecycle call).
 */
Datum
domxfer_source_attached(PG_FUNCTION_ARGS)
{
	if (!attachment_valid)
	{
		SPI_connect();
		load_attachment();
		SPI_finish();
	}
	PG_RETURN_BOOL(cached_attachment.attached);
}

/*
 * domxfer._domain_source_changed() → trigger: every backend caches the
 * attachment, so a change of domain_source invalidates it (domxfer.c).
 */
Datum
domxfer_domain_source_changed(PG_FUNCTION_ARGS)
{
	return domxfer_invalidate_trigger_relation(fcinfo);
}

/*
 * Runs sql (inside SPI) as role, with a pinned search_path and as a
 * security-restricted operation, like PostgreSQL runs index expressions.
 * On error the (sub)transaction abort restores the user and settings.
 */
static int
execute_as(Oid role, const char *sql, int nargs, Oid *types, Datum *values,
		   const char *nulls, bool read_only, long tcount)
{
	Oid			save_user;
	int			save_sec;
	int			nest;
	int			ret;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(role, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nest = NewGUCNestLevel();
	/* settings cannot change in a parallel worker; the leader pinned them */
	if (!IsInParallelMode())
		set_search_path("pg_catalog, pg_temp");
	ret = SPI_execute_plan(cached_plan(sql, nargs, types), values, nulls, read_only, tcount);
	AtEOXact_GUC(true, nest);
	SetUserIdAndSecContext(save_user, save_sec);
	return ret;
}

/* The spellings a registrar may store a canonical name in, as a text[]. */
static Datum
name_spellings(const char *canonical)
{
	char		uni[DOMAIN_NAME_BUFSIZE];
	DomainNameError *err = palloc(sizeof(DomainNameError));
	int			ulen = domain_name_to_unicode(canonical, strlen(canonical), uni, sizeof(uni), err);
	Datum		elems[3];
	int			n = 0;
	char	   *upper = pstrdup(canonical);

	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 'a' - 'A';
	elems[n++] = CStringGetTextDatum(canonical);
	elems[n++] = CStringGetTextDatum(upper);
	if (ulen >= 0 && strcmp(uni, canonical) != 0)
		elems[n++] = CStringGetTextDatum(pnstrdup(uni, ulen));
	pfree(err);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * The domain of a canonical name as domxfer sees it (NULL when there is
 * none), from domxfer.domains or from the attached source, read as the role
 * that attached it; with lock, its row is locked FOR UPDATE (a table source).
 */
static Datum
domain_row(FunctionCallInfo fcinfo, bool lock)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext caller = CurrentMemoryContext;
	TupleDesc	resdesc;
	Attachment	a;
	Oid			types[1];
	Datum		args[1];
	int			ret;
	HeapTuple	result = NULL;

	if (get_call_result_type(fcinfo, NULL, &resdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	resdesc = CreateTupleDescCopy(resdesc);

	SPI_connect();
	read_attachment(&a);
	if (!a.attached)
	{
		types[0] = TEXTOID;
		args[0] = CStringGetTextDatum(name);
		ret = SPI_execute_plan(cached_plan(lock ?
										   "SELECT d.* FROM domxfer.domains d WHERE d.name OPERATOR(pg_catalog.=) $1 FOR NO KEY UPDATE" :
										   "SELECT d.* FROM domxfer.domains d WHERE d.name OPERATOR(pg_catalog.=) $1",
										   1, types),
							   args, NULL, !lock, 1);
	}
	else
	{
		types[0] = TEXTARRAYOID;
		args[0] = name_spellings(name);
		ret = execute_as(a.role, lock ? a.row_lock_query : a.row_query,
						 1, types, args, NULL, !lock, 2);
	}
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading domain \"%s\" failed: %s", name, SPI_result_code_string(ret));
	if (SPI_processed > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("more than one row of the domains source has the name \"%s\"", name),
				 errhint("The name column of the attached source must be unique.")));
	if (SPI_processed == 1)
	{
		Datum	   *values = palloc(sizeof(Datum) * resdesc->natts);
		bool	   *nulls = palloc(sizeof(bool) * resdesc->natts);
		MemoryContext spi = MemoryContextSwitchTo(caller);

		if (SPI_tuptable->tupdesc->natts != resdesc->natts)
			elog(ERROR, "the domains source gives %d columns, domxfer.domains has %d",
				 SPI_tuptable->tupdesc->natts, resdesc->natts);
		for (int i = 0; i < resdesc->natts; i++)
			values[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &nulls[i]);
		result = heap_form_tuple(resdesc, values, nulls);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(HeapTupleGetDatum(result));
}

/* domxfer._domain_row(name text) → domxfer.domains: reads a domain (STABLE). */
Datum
domxfer_domain_row(PG_FUNCTION_ARGS)
{
	return domain_row(fcinfo, false);
}

/* domxfer._domain_row_for_update(name text) → domxfer.domains: and locks its row. */
Datum
domxfer_domain_row_for_update(PG_FUNCTION_ARGS)
{
	return domain_row(fcinfo, true);
}

/*
 * domxfer._source_exec(kind text, name text, gaining_registrar text, at
 * timestamptz, pending boolean) → boolean: runs the attached source's
 * statement of that kind ('transferred': the new sponsor and last-transfer
 * instant, through plain columns or the registrar's on_transferred;
 * 'state': the registrar's on_transfer_state) as the role that attached it.
 * False when nothing is attached (domxfer.domains is then written in SQL).
 */
Datum
domxfer_source_exec(PG_FUNCTION_ARGS)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Attachment	a;
	const char *sql;
	Oid			types[4] = {TEXTARRAYOID, TEXTOID, TIMESTAMPTZOID, BOOLOID};
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	int			ret;

	SPI_connect();
	read_attachment(&a);
	if (!a.attached)
	{
		SPI_finish();
		PG_RETURN_BOOL(false);
	}
	sql = strcmp(kind, "transferred") == 0 ? a.transferred_query :
		strcmp(kind, "state") == 0 ? a.state_query : NULL;
	if (strcmp(kind, "transferred") != 0 && strcmp(kind, "state") != 0)
		elog(ERROR, "unknown source statement \"%s\"", kind);
	if (sql != NULL)
	{
		args[0] = name_spellings(text_to_cstring(PG_GETARG_TEXT_PP(1)));
		for (int i = 1; i < 4; i++)
		{
			if (PG_ARGISNULL(i + 1))
			{
				nulls[i] = 'n';
				args[i] = (Datum) 0;
			}
			else
				args[i] = PG_GETARG_DATUM(i + 1);
		}
		domain_source_lifecycle_write = true;
		PG_TRY();
		{
			ret = execute_as(a.role, sql, 4, types, args, nulls, false, 0);
		}
		PG_FINALLY();
		{
			domain_source_lifecycle_write = false;
		}
		PG_END_TRY();
		if (ret < 0)
			elog(ERROR, "writing the domains source failed: %s", SPI_result_code_string(ret));
	}
	SPI_finish();
	PG_RETURN_BOOL(true);
}

/*
 * domxfer._source_guard(): BEFORE UPDATE OR DELETE row trigger that
 * attach_domains puts on a table source: while a domain's transfer is
 * open, its sponsor (or the key the sponsor is read through, or its name)
 * does not change and its row is not deleted, for every role (SPEC §10);
 * the lifecycle's own write of a completed transfer passes.
 */
Datum
domxfer_source_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trig = (TriggerData *) fcinfo->context;
	Relation	rel;
	bool		is_delete;
	HeapTuple	ret_tuple;
	Attachment	a;
	Oid			types[2];
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	int			ret;
	char	   *old_name = NULL;
	char	   *old_sponsor = NULL;
	char	   *new_name = NULL;
	char	   *new_sponsor = NULL;
	char	   *open_id = NULL;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trig->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trig->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("domxfer._source_guard() must be a BEFORE row trigger")));
	rel = trig->tg_relation;
	is_delete = TRIGGER_FIRED_BY_DELETE(trig->tg_event);
	ret_tuple = is_delete ? trig->tg_trigtuple : trig->tg_newtuple;
	if (domain_source_lifecycle_write)
		return PointerGetDatum(ret_tuple);

	SPI_connect();
	read_attachment(&a);
	if (!a.attached || a.guard_query == NULL)
	{
		SPI_finish();
		return PointerGetDatum(ret_tuple);
	}
	/* guard_query: $1 old row, $2 new row (or NULL) -> names, sponsors, open id */
	types[0] = rel->rd_rel->reltype;
	types[1] = rel->rd_rel->reltype;
	args[0] = heap_copy_tuple_as_datum(trig->tg_trigtuple, RelationGetDescr(rel));
	if (is_delete)
	{
		args[1] = (Datum) 0;
		nulls[1] = 'n';
	}
	else
		args[1] = heap_copy_tuple_as_datum(trig->tg_newtuple, RelationGetDescr(rel));
	ret = execute_as(a.role, a.guard_query, 2, types, args, nulls, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "the guard of the domains source failed: %s", SPI_result_code_string(ret));
	old_name = spi_text(1);
	old_sponsor = spi_text(2);
	new_name = spi_text(3);
	new_sponsor = spi_text(4);
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull);
	if (!isnull)
		open_id = spi_text(5);
	if (open_id != NULL)
	{
		if (is_delete)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot delete domain \"%s\" while its transfer %s is open",
							old_name, open_id),
					 errdetail("Transfer %s of \"%s\" is open; the row of %s it reads from must stay until it ends.",
							   open_id, old_name, RelationGetRelationName(rel)),
					 errhint("End the transfer first with domxfer.cancel_transfer_out(%s).", open_id)));
		if ((old_sponsor == NULL) != (new_sponsor == NULL) ||
			(old_sponsor != NULL && strcmp(old_sponsor, new_sponsor) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot change the sponsoring registrar of domain \"%s\" while its transfer %s is open",
							old_name, open_id),
					 errdetail("The sponsor would change from \"%s\" to \"%s\"; transfer %s decides who sponsors the domain.",
							   old_sponsor ? old_sponsor : "", new_sponsor ? new_sponsor : "", open_id),
					 errhint("Let the transfer end (domxfer.approve_transfer_out(%s) or domxfer.cancel_transfer_out(%s)); its completion sets the sponsor.",
							 open_id, open_id)));
		if ((old_name == NULL) != (new_name == NULL) ||
			(old_name != NULL && strcmp(old_name, new_name) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot rename domain \"%s\" while its transfer %s is open",
							old_name, open_id),
					 errdetail("Transfer %s is recorded under the name \"%s\".", open_id, old_name),
					 errhint("End the transfer first with domxfer.cancel_transfer_out(%s).", open_id)));
	}
	SPI_finish();
	return PointerGetDatum(ret_tuple);
}

/*
 * domxfer._drop_guard(): ddl_command_start event trigger. A plain DROP
 * EXTENSION domxfer while a source is attached would leave the registrar's
 * table with triggers of a dropped extension; refuse it and say how.
 */
Datum
domxfer_drop_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *ev;
	DropStmt   *stmt;
	ListCell   *lc;
	bool		names_us = false;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("domxfer._drop_guard() must be called as an event trigger")));
	ev = (EventTriggerData *) fcinfo->context;
	if (!IsA(ev->parsetree, DropStmt))
		PG_RETURN_VOID();
	stmt = (DropStmt *) ev->parsetree;
	if (stmt->removeType != OBJECT_EXTENSION || stmt->behavior == DROP_CASCADE)
		PG_RETURN_VOID();
	foreach(lc, stmt->objects)
		if (IsA(lfirst(lc), String) && strcmp(strVal(lfirst(lc)), "domxfer") == 0)
			names_us = true;
	if (!names_us)
		PG_RETURN_VOID();

	SPI_connect();
	if (SPI_execute("SELECT s.source_name FROM domxfer.domain_source s", true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		char	   *source = spi_text(1);

		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop extension domxfer while %s is attached as its domains table", source),
				 errdetail("domxfer generated functions, a view and guard triggers for %s.", source),
				 errhint("Detach it first with SELECT domxfer.detach_domains(); (or DROP EXTENSION domxfer CASCADE removes what domxfer generated and keeps your table, its rows and its own triggers).")));
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * domxfer's own per-domain state: open transfers as a set per snapshot
 * --------------------------------------------------------------------- */

typedef struct OpenTransfer
{
	char		name[DOMAIN_NAME_MAX_NAME + 1]; /* canonical: the hash key */
	int64		id;
	bool		pending;
} OpenTransfer;

/* What the set was read under: the same snapshot sees the same set. */
typedef struct OpenSetKey
{
	TimestampTz xact_start;
	TransactionId xmin;
	TransactionId xmax;
	CommandId	curcid;
	uint32		xcnt;
	uint32		xip_hash;		/* of the in-progress xids: what else differs */
} OpenSetKey;

static HTAB *open_set = NULL;
static MemoryContext open_set_cxt = NULL;
static OpenSetKey open_set_key;
static bool open_set_valid = false;
static long open_set_count = 0;

/* The key of the active snapshot; false when it cannot be told apart. */
static bool
current_open_set_key(OpenSetKey *key)
{
	Snapshot	snap = ActiveSnapshotSet() ? GetActiveSnapshot() : NULL;

	memset(key, 0, sizeof(*key));
	if (snap == NULL || snap->snapshot_type != SNAPSHOT_MVCC || snap->suboverflowed)
		return false;
	key->xact_start = GetCurrentTransactionStartTimestamp();
	key->xmin = snap->xmin;
	key->xmax = snap->xmax;
	key->curcid = snap->curcid;
	key->xcnt = snap->xcnt;
	key->xip_hash = snap->xcnt == 0 ? 0 :
		hash_bytes((const unsigned char *) snap->xip, snap->xcnt * sizeof(TransactionId));
	return true;
}

/* Makes open_set the set of open transfers that the active snapshot sees. */
static void
load_open_set(void)
{
	OpenSetKey	key;
	bool		cacheable = current_open_set_key(&key);
	HASHCTL		ctl;
	int			ret;

	if (cacheable && open_set_valid && memcmp(&key, &open_set_key, sizeof(key)) == 0)
		return;
	if (open_set_cxt == NULL)
		open_set_cxt = AllocSetContextCreate(TopMemoryContext, "domxfer open transfers",
											 ALLOCSET_DEFAULT_SIZES);
	open_set_valid = false;
	MemoryContextReset(open_set_cxt);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = DOMAIN_NAME_MAX_NAME + 1;
	ctl.entrysize = sizeof(OpenTransfer);
	ctl.hcxt = open_set_cxt;
	open_set = hash_create("domxfer open transfers", 64, &ctl,
						   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	SPI_connect();
	ret = SPI_execute("SELECT t.domain_name, t.id, t.state OPERATOR(pg_catalog.=) 'pending' "
					  "FROM domxfer.transfers t WHERE t.state OPERATOR(pg_catalog.=) ANY "
					  "(ARRAY[" OPEN_STATES "]::domxfer.transfer_state[])", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading the open transfers failed: %s", SPI_result_code_string(ret));
	open_set_count = (long) SPI_processed;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		char	   *name = SPI_getvalue(tup, SPI_tuptable->tupdesc, 1);
		OpenTransfer *e;
		bool		found;

		if (name == NULL || strlen(name) > DOMAIN_NAME_MAX_NAME)
			continue;
		e = hash_search(open_set, name, HASH_ENTER, &found);
		e->id = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
		e->pending = DatumGetBool(SPI_getbinval(tup, SPI_tuptable->tupdesc, 3, &isnull));
	}
	SPI_finish();
	open_set_key = key;
	open_set_valid = cacheable;
}

/* The open transfer of a name as a registrar spells it, or NULL. */
static OpenTransfer *
find_open_transfer(text *name)
{
	char	   *c;

	load_open_set();
	if (open_set_count == 0)
		return NULL;
	c = canonical_name(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name));
	if (c == NULL || strlen(c) > DOMAIN_NAME_MAX_NAME)
		return NULL;
	return hash_search(open_set, c, HASH_FIND, NULL);
}

/*
 * domxfer._open_transfer_id(name text) → bigint: the domain's open transfer
 * (any spelling of its name), or NULL; one read of the transfers per
 * snapshot, not per row.
 */
Datum
domxfer_open_transfer_id(PG_FUNCTION_ARGS)
{
	OpenTransfer *e = find_open_transfer(PG_GETARG_TEXT_PP(0));

	if (e == NULL)
		PG_RETURN_NULL();
	PG_RETURN_INT64(e->id);
}

/*
 * domxfer._status_with_open(status, name text) → domain_status: the
 * registrar's status plus pendingTransfer while domxfer has the domain's
 * transfer pending (domxfer never writes the registrar's status column).
 */
Datum
domxfer_status_with_open(PG_FUNCTION_ARGS)
{
	DomainStatus status = PG_GETARG_DOMAIN_STATUS(0);
	OpenTransfer *e = find_open_transfer(PG_GETARG_TEXT_PP(1));

	if (e != NULL && e->pending)
		status |= DS_PENDING_TRANSFER;
	PG_RETURN_DOMAIN_STATUS(status);
}

/* domxfer._status_with_pending(status, pending boolean) → domain_status. */
Datum
domxfer_status_with_pending(PG_FUNCTION_ARGS)
{
	DomainStatus status = PG_GETARG_DOMAIN_STATUS(0);

	if (PG_GETARG_BOOL(1))
		status |= DS_PENDING_TRANSFER;
	PG_RETURN_DOMAIN_STATUS(status);
}

/* ---------------------------------------------------------------------
 * A registrar's status column, read without stopping a report
 * --------------------------------------------------------------------- */

/* True when RFC 5731 forbids the combination (the type's input refuses it). */
static inline bool
has_conflict(DomainStatus mask)
{
	int			a,
				b;

	return ds_find_conflict(mask, &a, &b) != DS_CONFLICT_NONE;
}

/*
 * domxfer._status_lenient(text) → domain_status: the status a registrar's
 * text spells (any spelling the type reads), or the internal mark
 * DS_UNREADABLE, which the rules report as status_unreadable.
 */
Datum
domxfer_status_lenient_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	DomainStatus mask = 0;
	DomainStatusParseError error;

	if (!ds_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &mask, &error) ||
		has_conflict(mask))
		PG_RETURN_DOMAIN_STATUS(DS_UNREADABLE);
	PG_RETURN_DOMAIN_STATUS(ds_canonical(mask));
}

/* domxfer._status_lenient(text[]) → domain_status: the same for an array. */
Datum
domxfer_status_lenient_array(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	DomainStatus mask = 0;
	DomainStatusParseError error;

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		DomainStatus bit = 0;
		text	   *t;

		if (nulls[i])
			PG_RETURN_DOMAIN_STATUS(DS_UNREADABLE);
		t = DatumGetTextPP(elems[i]);
		if (!ds_parse_value(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &bit, &error))
			PG_RETURN_DOMAIN_STATUS(DS_UNREADABLE);
		mask |= bit;
	}
	if (has_conflict(mask))
		PG_RETURN_DOMAIN_STATUS(DS_UNREADABLE);
	PG_RETURN_DOMAIN_STATUS(ds_canonical(mask));
}
