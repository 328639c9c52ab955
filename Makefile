# domxfer: PGXS build plus the project's own commands (see README.md).
#
# `make test` and `make demo` work on a machine with nothing installed: they
# install the Debian packages they need first, so PGXS may not be loadable
# when this file is first read.

EXTENSION    = domxfer
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big   = domxfer
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script of the current version is assembled from install/*.sql
# (one file per concern, applied in name order).
INSTALL_PARTS = $(sort $(wildcard install/[0-9]*.sql))
# Upgrade scripts are assembled the same way: upgrade/A--B/*.sql (one
# fragment per concern, applied in name order) becomes domxfer--A--B.sql.
# upgrade/domxfer--A.sql keeps the install script of each released version
# A exactly as it shipped.
# A fragment NN_<concern>.replace lists functions and views whose install
# text (install/) replaces the old version's (scripts/upgrade-replace.pl), so
# an upgrade never carries a hand copy of a definition.
UPGRADE_DIRS  = $(sort $(patsubst %/,%,$(dir $(wildcard upgrade/*--*/*.sql upgrade/*--*/*.replace))))
UPGRADE_built = $(patsubst upgrade/%,$(EXTENSION)--%.sql,$(UPGRADE_DIRS))
DATA_built   = $(EXTENSION)--$(EXTVERSION).sql $(UPGRADE_built)
DATA         = $(sort $(wildcard upgrade/$(EXTENSION)--*--*.sql) $(filter-out $(DATA_built),$(wildcard upgrade/$(EXTENSION)--[0-9]*.[0-9]*.[0-9]*.sql)))

ICU_CFLAGS  := $(shell pkg-config --cflags icu-uc icu-i18n 2>/dev/null)
ICU_LIBS    := $(shell pkg-config --libs icu-uc icu-i18n 2>/dev/null)
# libxml2 reads the registry's EPP messages (src/epp_notice.c)
XML2_CFLAGS := $(shell pkg-config --cflags libxml-2.0 2>/dev/null)
XML2_LIBS   := $(shell pkg-config --libs libxml-2.0 2>/dev/null)
PG_CPPFLAGS  = -Isrc $(ICU_CFLAGS) $(XML2_CFLAGS)
PG_CFLAGS    = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
SHLIB_LINK   = $(ICU_LIBS) $(XML2_LIBS)

# our own installcheck (below), not PGXS's
NO_INSTALLCHECK = 1
EXTRA_CLEAN  = $(DATA_built) results regression.diffs regression.out tmp_check output_iso

# PG_VERSION=NN picks Debian's PostgreSQL NN when several are installed.
ifneq ($(PG_VERSION),)
PG_CONFIG   ?= /usr/lib/postgresql/$(PG_VERSION)/bin/pg_config
endif
PG_CONFIG   ?= pg_config
PGXS        := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
else
all:
	@echo "pg_config not found: run 'make deps' (or 'make test', which does it) first" >&2; exit 1
endif

$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS) $(EXTENSION).control
	cat $(INSTALL_PARTS) > $@

.SECONDEXPANSION:
$(UPGRADE_built): $(EXTENSION)--%.sql: upgrade/% $$(sort $$(wildcard upgrade/%/*.sql upgrade/%/*.replace)) $(INSTALL_PARTS) scripts/upgrade-replace.pl
	@rm -f $@.tmp
	@for f in $(sort $(wildcard upgrade/$*/*.sql upgrade/$*/*.replace)); do \
		case $$f in \
		*.replace) perl scripts/upgrade-replace.pl $$f $(INSTALL_PARTS) >> $@.tmp || exit 1 ;; \
		*) cat $$f >> $@.tmp ;; \
		esac; \
	done
	@mv $@.tmp $@

# A release archive of the committed tree, $(EXTENSION)-<version>.zip, the
# version being default_version of the control file (the one place it is
# kept); META.json must agree with it, and be valid for PGXN.
DIST_NAME = $(EXTENSION)-$(EXTVERSION)

.PHONY: dist
dist:
	@command -v node >/dev/null || { echo "make dist needs node to check META.json (make deps installs it)" >&2; exit 1; }
	@node scripts/check-meta.js . >/dev/null || { node scripts/check-meta.js . | grep '^not ok' >&2; exit 1; }
	@git diff --quiet HEAD -- || echo "warning: uncommitted changes are not in $(DIST_NAME).zip" >&2
	git archive --format=zip --prefix=$(DIST_NAME)/ --output=$(DIST_NAME).zip HEAD
	@echo "$(DIST_NAME).zip"

.PHONY: deps test demo demo-stop bench loadtest fuzz test-asan test-versions deb test-deb installcheck

# Debian packages the build, the tests and the demo need.
deps:
	@scripts/install-deps.sh

# Every test suite against a throwaway server; ends with "N passed, N failed".
test: deps
	$(MAKE) all
	scripts/install-extension.sh
	scripts/run-tests.sh

# The suites on the PostgreSQL of other Debian releases, each in a Debian
# root of its own (cached in /var/cache/domxfer-roots; needs root):
# TEST_VERSIONS="trixie testing" (17 and 18) by default; DOMXFER_SUITES
# picks suites as for make test. One result line per version.
TEST_VERSIONS ?= trixie testing
test-versions:
	scripts/test-versions.sh $(TEST_VERSIONS)

# Debian packages postgresql-NN-domxfer (pg_buildext) into debs/, for the
# PostgreSQL versions this machine's Debian supports.
deb:
	scripts/install-deps.sh deb
	scripts/make-deb.sh

# Each package built in its Debian release's root, installed with apt on a
# fresh root and tested there (regression suite); needs root.
TEST_DEB_VERSIONS ?= bookworm trixie testing
test-deb:
	scripts/test-deb.sh $(TEST_DEB_VERSIONS)

# The regression suite against the installed extension (e.g. from the
# package), on a throwaway server with domxfer preloaded.
installcheck:
	DOMXFER_SUITES="$${DOMXFER_SUITES:-regress}" scripts/run-tests.sh

# A throwaway server with demo data in .demo/ (stop it with make demo-stop).
# The build's output is shown only when it fails.
demo: deps
	@log=$$(mktemp); \
	if $(MAKE) --no-print-directory all >$$log 2>&1 && scripts/install-extension.sh >>$$log 2>&1; then \
		rm -f $$log; \
	else \
		cat $$log >&2; rm -f $$log; exit 1; \
	fi
	@scripts/demo.sh start

demo-stop:
	@scripts/demo.sh stop

# Benchmarks (not part of make test): figures for README.md.
bench: deps
	$(MAKE) all
	scripts/install-extension.sh
	scripts/run-bench.sh

# Load test: pgbench load with invariants, then under a kill -9 crash loop
# (not part of make test; LOADTEST_SECONDS per phase, default 180).
loadtest: deps
	$(MAKE) all
	scripts/install-extension.sh
	scripts/run-loadtest.sh

# libFuzzer targets for the pure-C parsers (fuzz/), FUZZ_SECONDS each
# (default 60), with ASan and UBSan; fails on any finding.
fuzz:
	scripts/install-deps.sh fuzz
	scripts/run-fuzz.sh

# The whole make test suite set against an ASan/UBSan build of the
# extension; fails on any sanitizer report, then reinstalls the normal build.
test-asan:
	scripts/install-deps.sh asan
	scripts/run-asan.sh
