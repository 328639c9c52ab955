/*
 * domain_source.h
 *	  The registrar's own domains table (SPEC §10): where domxfer reads a
 *	  domain from, and what it runs there as the role that attached it.
 *
 * Floor: PostgreSQL's parser, SPI and catalog lookups, domain_name_check.h
 * and domain_status_parse.h. It calls nothing of the lifecycle, the worker
 * or the check service; they call it (through SQL).
 */
#ifndef DOMAIN_SOURCE_H
#define DOMAIN_SOURCE_H

#include <stdbool.h>

/*
 * True while the lifecycle itself writes the registrar's rows (completing a
 * transfer): the guard triggers on an attached table let that write through.
 */
extern bool domain_source_lifecycle_write;

#endif							/* DOMAIN_SOURCE_H */
