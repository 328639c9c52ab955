#!/usr/bin/env node
// The doorbell's delay during a burst (bench/80_notify.sh): a listener as
// README shows it (LISTEN domxfer_transfer, then transfer_events_since on
// every notification) that also notes when each notification arrived. On
// SIGTERM it prints one JSON line: for every event committed while it
// listened, the delay from its transaction's commit time
// (pg_xact_commit_timestamp: needs track_commit_timestamp = on; taken just
// before the commit's WAL flush, so the delay includes that flush) to the
// first notification that arrived after it; how many notifications it got;
// and whether its reads returned every event exactly once.
//
// Usage: node doorbell-listener.js READY_FILE   (PG* environment variables)

'use strict';

const fs = require('fs');
const { Client } = require('pg');

const now = () => performance.timeOrigin + performance.now();	// ms since the epoch

async function main() {
	const client = new Client();
	await client.connect();
	const arrivals = [];
	const seen = new Map();
	let reading = false;
	let again = false;

	await client.query('LISTEN domxfer_transfer');
	let cursor = (await client.query('SELECT next_cursor FROM domxfer.transfer_events_since(NULL)')).rows[0].next_cursor;
	const start = cursor;

	const read = async () => {
		if (reading) {
			again = true;
			return;
		}
		reading = true;
		do {
			again = false;
			const { rows } = await client.query(
				'SELECT next_cursor, events FROM domxfer.transfer_events_since($1)', [cursor]);
			cursor = rows[0].next_cursor;
			for (const e of rows[0].events)
				seen.set(e.event_id, (seen.get(e.event_id) || 0) + 1);
		} while (again);
		reading = false;
	};
	client.on('notification', () => {
		arrivals.push(now());
		read().catch((e) => { console.error(e.message); process.exit(1); });
	});
	fs.writeFileSync(process.argv[2], 'listening\n');

	await new Promise((resolve) => process.on('SIGTERM', resolve));
	while (reading)
		await new Promise((resolve) => setTimeout(resolve, 10));
	await read();

	// every event committed since the listener started, with its commit time
	const { rows } = await client.query(
		`SELECT (e->>'event_id')::bigint AS id,
				extract(epoch FROM pg_xact_commit_timestamp(xid(t.xact_id))) * 1000 AS committed_ms
		   FROM domxfer.transfer_events_since($1) s, jsonb_array_elements(s.events) e
		   JOIN domxfer.transfer_events t ON t.id = (e->>'event_id')::bigint`, [start]);
	const delays = [];
	let unanswered = 0;
	for (const r of rows) {
		const c = Number(r.committed_ms);
		let lo = 0, hi = arrivals.length;	// first arrival >= c
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (arrivals[mid] < c) lo = mid + 1; else hi = mid;
		}
		if (lo === arrivals.length)
			unanswered++;
		else
			delays.push(arrivals[lo] - c);
	}
	delays.sort((a, b) => a - b);
	const q = (p) => (delays.length ? delays[Math.min(delays.length - 1, Math.ceil(p * delays.length) - 1)] : null);
	const twice = [...seen.values()].filter((n) => n > 1).length;
	const missed = rows.filter((r) => !seen.has(String(r.id)) && !seen.has(Number(r.id))).length;
	console.log(JSON.stringify({
		events: rows.length, notifications: arrivals.length, unanswered, read_twice: twice, not_read: missed,
		p50_ms: q(0.5), p99_ms: q(0.99), max_ms: delays.length ? delays[delays.length - 1] : null,
	}));
	await client.end();
}

main().catch((e) => {
	console.error(`doorbell-listener: ${e.message || e}`);
	process.exit(1);
});
