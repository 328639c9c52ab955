#!/usr/bin/env node
// Checks that every relative link of README.md and docs/*.md resolves: the
// file exists and, for a link with #anchor into a markdown page, the page has
// a heading with that anchor (GitHub's rule: lower case, punctuation dropped,
// spaces to hyphens). Pages link to one another, so a moved or renamed
// heading must fail a test, not a reader.
// Usage: node scripts/check-links.js [TOP]. Prints TAP lines; exits 1 on failure.
'use strict';

const fs = require('fs');
const path = require('path');

const top = process.argv[2] || path.join(__dirname, '..');

// GitHub's anchor of a heading text.
function slug(heading) {
	return heading.trim().toLowerCase()
		.replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
		.replace(/ /g, '-');
}

// The anchors of a markdown file's headings (outside fenced code blocks).
function anchors(file) {
	const seen = new Map();
	const result = new Set();
	let fenced = false;
	for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
		if (/^```/.test(line))
			fenced = !fenced;
		const m = !fenced && /^#{1,6} (.*)$/.exec(line);
		if (!m)
			continue;
		const base = slug(m[1]);
		const n = seen.get(base) || 0;
		seen.set(base, n + 1);
		result.add(n === 0 ? base : `${base}-${n}`);
	}
	return result;
}

// The links [text](target) of a markdown file outside fenced code, with lines.
function links(file) {
	const result = [];
	let fenced = false;
	fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
		if (/^```/.test(line))
			fenced = !fenced;
		if (fenced)
			return;
		for (const m of line.matchAll(/\]\(([^)\s]+)\)/g))
			result.push({ target: m[1], line: i + 1 });
	});
	return result;
}

const pages = ['README.md'].concat(
	fs.readdirSync(path.join(top, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`));
const cache = new Map();
let failed = 0;
let n = 0;

for (const page of pages) {
	const problems = [];
	let count = 0;
	for (const { target, line } of links(path.join(top, page))) {
		if (/^[a-z][a-z0-9+.-]*:/i.test(target))
			continue;		// http:, https:, mailto: are not checked here
		count++;
		const [file, anchor] = target.split('#');
		const resolved = file === '' ? path.join(top, page) : path.join(top, path.dirname(page), file);
		if (!fs.existsSync(resolved)) {
			problems.push(`${page}:${line}: ${target}: no such file`);
			continue;
		}
		if (anchor === undefined || !resolved.endsWith('.md'))
			continue;
		if (!cache.has(resolved))
			cache.set(resolved, anchors(resolved));
		if (!cache.get(resolved).has(decodeURIComponent(anchor)))
			problems.push(`${page}:${line}: ${target}: no heading with that anchor`);
	}
	n++;
	if (problems.length === 0) {
		console.log(`ok ${n} - ${page}: ${count} relative links resolve`);
	} else {
		failed++;
		console.log(`not ok ${n} - ${page}: ${problems.length} of ${count} relative links do not resolve`);
		for (const p of problems)
			console.log(`# ${p}`);
	}
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
