#!/usr/bin/env node
// Checks that the install script defines every function and view once, in
// the fragment of its concern: no fragment of install/ replaces what an
// earlier one created (CREATE OR REPLACE FUNCTION/VIEW/PROCEDURE at the
// start of a line, outside generated SQL), and no upgrade fragment carries a
// hand copy of a function (upgrade/A--B/*.sql may not CREATE a function that
// install/ also creates: such a function is named in a .replace file, whose
// text the build takes from install/, or the fragment is a link to its
// install fragment).
// Usage: node scripts/check-install-once.js [TOP]. Prints TAP lines; exits 1 on failure.
'use strict';

const fs = require('fs');
const path = require('path');

const top = process.argv[2] || path.join(__dirname, '..');
const results = [];
const check = (description, ok, diag) => results.push({ description, ok, diag });

const fnName = /^CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|VIEW|PROCEDURE)\s+(domxfer\.\w+)/gim;
const installDir = path.join(top, 'install');
const installed = new Map();
const replacing = [];
for (const f of fs.readdirSync(installDir).filter((x) => x.endsWith('.sql')).sort()) {
	const text = fs.readFileSync(path.join(installDir, f), 'utf8');
	for (const m of text.matchAll(fnName)) {
		if (/^CREATE\s+OR\s+REPLACE/i.test(m[0]))
			replacing.push(`${f}: ${m[0]}`);
		installed.set(m[2].toLowerCase(), f);
	}
}
check('install/ defines every function and view once (no CREATE OR REPLACE of an earlier fragment)',
	replacing.length === 0, replacing);

const upgradeDir = path.join(top, 'upgrade');
const copies = [];
for (const d of fs.readdirSync(upgradeDir).filter((x) => x.includes('--') && !x.endsWith('.sql'))) {
	for (const f of fs.readdirSync(path.join(upgradeDir, d)).filter((x) => x.endsWith('.sql')).sort()) {
		const p = path.join(upgradeDir, d, f);
		if (fs.lstatSync(p).isSymbolicLink())
			continue;		// the install fragment itself
		const text = fs.readFileSync(p, 'utf8');
		for (const m of text.matchAll(fnName))
			if (installed.has(m[2].toLowerCase()))
				copies.push(`${d}/${f}: ${m[0]} (defined in install/${installed.get(m[2].toLowerCase())})`);
	}
}
check('no upgrade fragment carries a hand copy of an install function (links and .replace lists only)',
	copies.length === 0, copies);

let failed = 0;
results.forEach((r, i) => {
	console.log(`${r.ok ? 'ok' : 'not ok'} ${i + 1} - ${r.description}`);
	if (!r.ok) {
		failed++;
		for (const l of r.diag)
			console.log(`# ${l}`);
	}
});
console.log(`1..${results.length}`);
process.exit(failed ? 1 : 0);
