#!/usr/bin/env bash
# make deb: the Debian packages postgresql-NN-domxfer of this checkout (as it
# is now, uncommitted changes included), one per PostgreSQL version in
# debian/pgversions that this machine's Debian supports, built with
# postgresql-common's pg_buildext (debian/control generated from
# debian/control.in). The .deb files land in debs/ (DEB_OUT), nothing is
# written beside the checkout. Build dependencies: scripts/install-deps.sh deb.
. "$(dirname "$0")/common.sh"

OUT=${DEB_OUT:-$TOP/debs}
VERSION=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version 2>/dev/null) \
	|| { echo "make deb needs dpkg-dev and debhelper: scripts/install-deps.sh deb" >&2; exit 1; }
BUILD=$(mktemp -d /var/tmp/domxfer-deb.XXXXXX)
trap 'rm -rf "$BUILD"' EXIT
SRC="$BUILD/domxfer-${VERSION%-*}"
mkdir -p "$SRC" "$OUT"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard \
		| tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$SRC"
else	# an unpacked release archive
	(cd "$TOP" && tar --exclude=./.test --exclude=./debs --exclude=./.demo --exclude='*.o' --exclude='*.so' -cf - .) | tar -xf - -C "$SRC"
fi
cd "$SRC"
rm -f debian/control
# debian/control for the versions this distribution supports
pg_buildext updatecontrol >/dev/null
echo "building $(sed -n 's/^Package: //p' debian/control | tr '\n' ' ')(pg_buildext, $(pg_buildext supported-versions | tr '\n' ' '| sed 's/ $//'))"
if ! dpkg-buildpackage -us -uc -b >"$BUILD/build.log" 2>&1; then
	tail -40 "$BUILD/build.log" >&2
	echo "make deb: dpkg-buildpackage failed" >&2
	exit 1
fi
cp "$BUILD"/*.deb "$OUT/"
for f in "$BUILD"/*.deb; do echo "$OUT/$(basename "$f")"; done
