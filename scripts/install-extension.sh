#!/usr/bin/env bash
# Installs the built extension into the PostgreSQL found by pg_config.
. "$(dirname "$0")/common.sh"
cd "$TOP"
$SUDO make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
