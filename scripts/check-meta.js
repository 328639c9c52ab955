#!/usr/bin/env node
// Checks META.json against the PGXN Meta Spec 1.0.0 (the required keys and
// the formats of the values domxfer uses) and against the one place the
// version is kept: default_version in domxfer.control. Then runs the tree's
// other checks of the meta suite (links of the docs, floors of the C).
// Usage: node scripts/check-meta.js [TOP]. Prints TAP lines; exits 1 on failure.
'use strict';

const fs = require('fs');
const path = require('path');

const top = process.argv[2] || path.join(__dirname, '..');
const results = [];

function check(description, condition) {
	results.push({ description, ok: Boolean(condition) });
}

// SemVer 2.0.0 (PGXN 1.0.0 accepts it; build metadata is not used here).
function isSemVer(value) {
	return typeof value === 'string'
		&& /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/.test(value);
}

// A PGXN "term": at least two characters, no white space, slash, backslash or control character.
function isTerm(value) {
	return typeof value === 'string' && value.length >= 2 && !/[\s/\\\x00-\x1f]/.test(value);
}

// A version range: a version, or comparisons joined by commas; 0 means any.
function isVersionRange(value) {
	if (value === 0 || value === '0')
		return true;
	return typeof value === 'string' && value.split(/\s*,\s*/).every((part) =>
		/^(==|!=|>=|<=|>|<)?\s*(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-.]+)?$/.test(part.trim()));
}

const LICENSES = new Set(['agpl_3', 'apache_1_1', 'apache_2_0', 'artistic_1', 'artistic_2', 'bsd', 'freebsd',
	'gfdl_1_2', 'gfdl_1_3', 'gpl_1', 'gpl_2', 'gpl_3', 'lgpl_2_1', 'lgpl_3_0', 'mit', 'mozilla_1_0',
	'mozilla_1_1', 'openssl', 'perl_5', 'postgresql', 'qpl_1_0', 'ssleay', 'sun', 'zlib',
	'open_source', 'restricted', 'unrestricted', 'unknown']);
const TOP_KEYS = new Set(['name', 'abstract', 'version', 'maintainer', 'license', 'provides', 'meta-spec',
	'description', 'generated_by', 'tags', 'no_index', 'prereqs', 'release_status', 'resources']);
const PHASES = new Set(['configure', 'build', 'test', 'runtime', 'develop']);
const RELATIONS = new Set(['requires', 'recommends', 'suggests', 'conflicts']);

let meta = null;
try {
	meta = JSON.parse(fs.readFileSync(path.join(top, 'META.json'), 'utf8'));
	check('META.json is a JSON object', meta !== null && typeof meta === 'object' && !Array.isArray(meta));
} catch (error) {
	check(`META.json is a JSON object (${error.message})`, false);
}

let controlVersion = null;
try {
	const control = fs.readFileSync(path.join(top, 'domxfer.control'), 'utf8');
	const match = control.match(/^default_version\s*=\s*'([^']*)'/m);
	controlVersion = match ? match[1] : null;
	check(`domxfer.control has a SemVer default_version (${controlVersion})`, isSemVer(controlVersion));
} catch (error) {
	check(`domxfer.control is readable (${error.message})`, false);
}

if (meta !== null && typeof meta === 'object') {
	for (const key of ['name', 'abstract', 'version', 'maintainer', 'license', 'provides', 'meta-spec'])
		check(`required key "${key}" is present`, key in meta);
	const unknown = Object.keys(meta).filter((key) => !TOP_KEYS.has(key) && !/^[xX]_./.test(key));
	check(`no unknown top-level key (${unknown.join(', ') || 'none'})`, unknown.length === 0);

	check('meta-spec.version is 1.0.0', meta['meta-spec'] && meta['meta-spec'].version === '1.0.0');
	check('name is a term', isTerm(meta.name));
	check('abstract is a non-empty string', typeof meta.abstract === 'string' && meta.abstract.length > 0);
	check('version is SemVer', isSemVer(meta.version));
	check(`version equals the control file's default_version (${meta.version} vs ${controlVersion})`,
		meta.version === controlVersion);

	const maintainers = Array.isArray(meta.maintainer) ? meta.maintainer : [meta.maintainer];
	check('maintainer is a string or a non-empty list of strings',
		maintainers.length > 0 && maintainers.every((m) => typeof m === 'string' && m.length > 0));

	const license = meta.license;
	check('license is a known license string, a list of them, or a name-to-URL object',
		(typeof license === 'string' && LICENSES.has(license))
		|| (Array.isArray(license) && license.length > 0 && license.every((l) => LICENSES.has(l)))
		|| (license !== null && typeof license === 'object' && !Array.isArray(license)
			&& Object.keys(license).length > 0
			&& Object.values(license).every((url) => typeof url === 'string' && /^https?:\/\//.test(url))));

	const provides = meta.provides || {};
	check('provides names the extension domxfer', typeof provides === 'object' && 'domxfer' in provides);
	for (const [extension, entry] of Object.entries(provides)) {
		check(`provides.${extension} has a file that exists`,
			entry && typeof entry.file === 'string' && fs.existsSync(path.join(top, entry.file)));
		check(`provides.${extension}.version is SemVer and equals the control file's (${entry && entry.version})`,
			entry && isSemVer(entry.version) && entry.version === controlVersion);
		if (entry && entry.docfile !== undefined)
			check(`provides.${extension}.docfile exists`, fs.existsSync(path.join(top, entry.docfile)));
	}

	if (meta.prereqs !== undefined) {
		let prereqsValid = typeof meta.prereqs === 'object';
		for (const [phase, relations] of Object.entries(meta.prereqs || {})) {
			prereqsValid = prereqsValid && PHASES.has(phase) && typeof relations === 'object';
			for (const [relation, requirements] of Object.entries(relations || {})) {
				prereqsValid = prereqsValid && RELATIONS.has(relation) && typeof requirements === 'object'
					&& Object.values(requirements).every(isVersionRange);
			}
		}
		check('prereqs use known phases and relationships with version ranges', prereqsValid);
	}
	if (meta.release_status !== undefined)
		check('release_status is stable, testing or unstable',
			['stable', 'testing', 'unstable'].includes(meta.release_status));
	if (meta.tags !== undefined)
		check('tags is a list of non-empty strings of at most 255 characters',
			Array.isArray(meta.tags) && meta.tags.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 255));
}

// The tree's other checks run in the same suite (meta): every relative link
// of README.md and docs/*.md resolves (check-links.js), and the C of src/
// has floors, no include circle (check-include-cycles.js), and install/
// defines each function once with no hand copy in upgrade/
// (check-install-once.js). Their TAP lines
// are taken in here, numbered on, with their diagnostics.
const diagnostics = new Map();
for (const script of ['check-links.js', 'check-include-cycles.js', 'check-install-once.js']) {
	const run = require('child_process').spawnSync(process.execPath, [path.join(__dirname, script), top],
		{ encoding: 'utf8' });
	const lines = `${run.stdout || ''}${run.stderr || ''}`.split('\n');
	let seen = 0;
	for (const line of lines) {
		const m = /^(ok|not ok) \d+ - (.*)$/.exec(line);
		if (m) {
			results.push({ ok: m[1] === 'ok', description: `${script}: ${m[2]}` });
			seen++;
		} else if (line.startsWith('#') && results.length > 0) {
			const last = results[results.length - 1];
			diagnostics.set(last, (diagnostics.get(last) || []).concat(line));
		}
	}
	if (run.status !== 0 && seen === 0)
		results.push({ ok: false, description: `${script} ran (exit ${run.status}): ${lines.join(' ').trim()}` });
}

results.forEach((result, i) => {
	console.log(`${result.ok ? 'ok' : 'not ok'} ${i + 1} - ${result.description}`);
	for (const line of diagnostics.get(result) || [])
		console.log(line);
});
console.log(`1..${results.length}`);
process.exitCode = results.every((result) => result.ok) ? 0 : 1;
