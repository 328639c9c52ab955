#!/usr/bin/env node
// Checks that the install script defines every function and view once, in
// the fragment of its concern, in an order its names show:
//  * every install fragment has a number of its own (NN_<concern>.sql: two
//    fragments with one number would load in the alphabet's order, an
//    accident);
//  * no fragment of install/ replaces what an earlier one created (CREATE OR
//    REPLACE FUNCTION/VIEW/PROCEDURE at the start of a line, outside
//    generated SQL);
//  * no upgrade fragment carries a hand copy of install text: upgrade/A--B/*.sql
//    may not CREATE a function, view, table, type, sequence or index that
//    install/ also creates (a new object comes from a link to its install
//    fragment, a changed function or view from a .replace list whose text the
//    build takes from install/), nor set a COMMENT that install/ sets with
//    the same text (a .replace line "column domxfer.<table>.<column>" brings
//    an added column's comment).
'use strict';

const fs = require('fs');
const path = require('path');

const top = process.argv[2] || path.join(__dirname, '..');
const results = [];
const check = (description, ok, diag) => results.push({ description, ok, diag });

const fnName = /^CREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|VIEW|PROCEDURE)\s+(domxfer\.\w+)/gim;
// what a hand copy would create again: an object of the schema, by kind and name
const objName = /^CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+)?(FUNCTION|VIEW|PROCEDURE|TABLE|TYPE|SEQUENCE|INDEX|DOMAIN)\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:domxfer\.)?\w+)/gim;
// a comment and its text ('...' with '' inside), whatever the object
const commentText = /^COMMENT\s+ON\s+([^;]+?)\s+IS\s+('(?:[^']|'')*')/gim;
const installDir = path.join(top, 'install');
const installFiles = fs.readdirSync(installDir).filter((x) => x.endsWith('.sql')).sort();

// one number per fragment: NN_ must be unique (and present)
const byNumber = new Map();
for (const f of installFiles) {
	const m = /^(\d+)_/.exec(f);
	const key = m ? m[1] : '(no number)';
	byNumber.set(key, (byNumber.get(key) || []).concat(f));
}
const shared = [...byNumber].filter(([, files]) => files.length > 1)
	.map(([n, files]) => `${n}: ${files.join(', ')}`);
check('every install fragment has a number of its own (the load order is chosen, not the alphabet\'s)',
	shared.length === 0, shared);

const installed = new Map();
const objects = new Map();
const comments = new Map();
const replacing = [];
for (const f of installFiles) {
	const text = fs.readFileSync(path.join(installDir, f), 'utf8');
	for (const m of text.matchAll(fnName)) {
		if (/^CREATE\s+OR\s+REPLACE/i.test(m[0]))
			replacing.push(`${f}: ${m[0]}`);
		installed.set(m[2].toLowerCase(), f);
	}
	for (const m of text.matchAll(objName))
		objects.set(`${m[1].toUpperCase()} ${m[2].toLowerCase().replace(/^domxfer\./, '')}`, f);
	for (const m of text.matchAll(commentText))
		comments.set(`${m[1].replace(/\s+/g, ' ').toLowerCase()} IS ${m[2]}`, f);
}
check('install/ defines every function and view once (no CREATE OR REPLACE of an earlier fragment)',
	replacing.length === 0, replacing);

const upgradeDir = path.join(top, 'upgrade');
const copies = [];
const objectCopies = [];
const commentCopies = [];
for (const d of fs.readdirSync(upgradeDir).filter((x) => x.includes('--') && !x.endsWith('.sql'))) {
	for (const f of fs.readdirSync(path.join(upgradeDir, d)).filter((x) => x.endsWith('.sql')).sort()) {
		const p = path.join(upgradeDir, d, f);
		if (fs.lstatSync(p).isSymbolicLink())
			continue;		// the install fragment itself
		const text = fs.readFileSync(p, 'utf8');
		for (const m of text.matchAll(fnName))
			if (installed.has(m[2].toLowerCase()))
				copies.push(`${d}/${f}: ${m[0]} (defined in install/${installed.get(m[2].toLowerCase())})`);
		for (const m of text.matchAll(objName)) {
			const key = `${m[1].toUpperCase()} ${m[2].toLowerCase().replace(/^domxfer\./, '')}`;
			if (objects.has(key) && !/^(FUNCTION|VIEW|PROCEDURE)/.test(key))
				objectCopies.push(`${d}/${f}: ${m[0].replace(/\s+/g, ' ')} (created in install/${objects.get(key)})`);
		}
		for (const m of text.matchAll(commentText)) {
			const key = `${m[1].replace(/\s+/g, ' ').toLowerCase()} IS ${m[2]}`;
			if (comments.has(key))
				commentCopies.push(`${d}/${f}: COMMENT ON ${m[1]} (the same text in install/${comments.get(key)})`);
		}
	}
}
check('no upgrade fragment carries a hand copy of an install function (links and .replace lists only)',
	copies.length === 0, copies);
check('no upgrade fragment creates again a table, type, sequence or index of install/ (a link to its install fragment instead)',
	objectCopies.length === 0, objectCopies);
check('no upgrade fragment copies a comment of install/ (a .replace "column" line, or a link, instead)',
	commentCopies.length === 0, commentCopies);

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
