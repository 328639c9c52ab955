#!/usr/bin/env node
// Checks that the C of src/ has floors: each .c/.h pair (a module, named by
// the file name without its extension) may include the headers of the pairs
// below it, and no pair may reach itself again through what it includes, so
// every pair can be read knowing only the ones below it. A circle (a.c
// includes b.h and b.c includes a.h, or longer) fails, and is printed.
// Usage: node scripts/check-include-cycles.js [TOP]. Prints TAP lines; exits 1 on failure.
'use strict';

const fs = require('fs');
const path = require('path');

const top = process.argv[2] || path.join(__dirname, '..');
const src = path.join(top, 'src');

const files = fs.readdirSync(src).filter((f) => /\.[ch]$/.test(f)).sort();
const moduleOf = (file) => file.replace(/\.[ch]$/, '');
const modules = [...new Set(files.map(moduleOf))].sort();

// module -> Map(included module -> "file: #include line" that makes the edge)
const edges = new Map(modules.map((m) => [m, new Map()]));
for (const file of files) {
	const text = fs.readFileSync(path.join(src, file), 'utf8');
	for (const m of text.matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)) {
		const header = m[1];
		if (!files.includes(header))
			continue;		// a PostgreSQL or system header
		const from = moduleOf(file);
		const to = moduleOf(header);
		if (from !== to && !edges.get(from).has(to))
			edges.get(from).set(to, `${file} includes "${header}"`);
	}
}

// Tarjan's strongly connected components: a component of more than one
// module is a circle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const circles = [];
function visit(v) {
	idx.set(v, index);
	low.set(v, index);
	index++;
	stack.push(v);
	onStack.add(v);
	for (const w of edges.get(v).keys()) {
		if (!idx.has(w)) {
			visit(w);
			low.set(v, Math.min(low.get(v), low.get(w)));
		} else if (onStack.has(w)) {
			low.set(v, Math.min(low.get(v), idx.get(w)));
		}
	}
	if (low.get(v) === idx.get(v)) {
		const component = [];
		let w;
		do {
			w = stack.pop();
			onStack.delete(w);
			component.push(w);
		} while (w !== v);
		if (component.length > 1)
			circles.push(component.sort());
	}
}
for (const m of modules)
	if (!idx.has(m))
		visit(m);

// One path around a circle, from its first module back to it, for the message.
function pathAround(component) {
	const inside = new Set(component);
	const start = component[0];
	const prev = new Map([[start, null]]);
	const queue = [start];
	while (queue.length) {
		const v = queue.shift();
		for (const w of edges.get(v).keys()) {
			if (!inside.has(w))
				continue;
			if (w === start) {
				const hops = [];
				for (let x = v, y = start; x !== null; y = x, x = prev.get(x))
					hops.unshift(edges.get(x).get(y));
				return hops;
			}
			if (!prev.has(w)) {
				prev.set(w, v);
				queue.push(w);
			}
		}
	}
	return [];
}

let n = 0;
console.log(`ok ${++n} - src/ has ${modules.length} modules (.c/.h pairs) in ${files.length} files`);
if (circles.length === 0) {
	console.log(`ok ${++n} - no include circle among the modules of src/`);
} else {
	console.log(`not ok ${++n} - ${circles.length} include circle(s) among the modules of src/`);
	for (const c of circles) {
		console.log(`# circle: ${c.join(' <-> ')}`);
		for (const hop of pathAround(c))
			console.log(`#   ${hop}`);
	}
}
// Every pair says in its opening comment which floor it stands on.
const silent = files.filter((f) => !/^\/\*[\s\S]*?\bFloor:[\s\S]*?\*\//.test(fs.readFileSync(path.join(src, f), 'utf8')));
if (silent.length === 0)
	console.log(`ok ${++n} - every file of src/ states its floor ("Floor:") in its opening comment`);
else
	console.log(`not ok ${++n} - ${silent.length} file(s) of src/ do not state their floor ("Floor:") in the opening comment: ${silent.join(', ')}`);
console.log(`1..${n}`);
process.exit(circles.length || silent.length ? 1 : 0);
