#!/usr/bin/env node
// The registrar's EPP client in registry mode (SPEC §8): it connects
// domxfer to a registry that checks auth codes and decides transfers
// (tld_policy.registry_transfers). domxfer has no network client of its
// own; this program is the link, with three calls:
//
//   poll the registry    <poll op="req">  →  domxfer.apply_registry_message(xml)
//                        then <poll op="ack" msgID="…"> (also for invalid
//                        messages: domxfer stored them, the queue moves on)
//   answer the registry  domxfer.claim_registry_commands()  →  send each
//                        command's XML (transfer approve / reject)
//                        →  domxfer.record_registry_response(id, code, svTRID)
//
// It repeats both until the registry's queue is empty and no command is
// waiting, then exits. Run it periodically (or in a loop) in production.
//
// Transport: EPP over TCP with RFC 5734 framing (a 4-byte length, then the
// XML). A real registry needs TLS and a <login> first (tls.connect and one
// more command); the fake registry of test/node does without them.
//
// Connection to the database: the usual PG* environment variables. The
// role needs domxfer_app.
//
// Usage: node registry-client.js HOST PORT

'use strict';

const net = require('net');
const { Client } = require('pg');

// One EPP session: framed request, framed response.
class EppSession {
	constructor(socket) {
		this.socket = socket;
		this.buffer = Buffer.alloc(0);
		this.waiting = [];
		socket.on('data', (chunk) => {
			this.buffer = Buffer.concat([this.buffer, chunk]);
			while (this.buffer.length >= 4 && this.buffer.length >= this.buffer.readUInt32BE(0)) {
				const length = this.buffer.readUInt32BE(0);
				const xml = this.buffer.subarray(4, length).toString('utf8');
				this.buffer = this.buffer.subarray(length);
				const next = this.waiting.shift();
				if (next)
					next.resolve(xml);
			}
		});
		socket.on('error', (err) => this.waiting.splice(0).forEach((w) => w.reject(err)));
	}

	send(xml) {
		return new Promise((resolve, reject) => {
			this.waiting.push({ resolve, reject });
			const body = Buffer.from(xml, 'utf8');
			const header = Buffer.alloc(4);
			header.writeUInt32BE(body.length + 4);
			this.socket.write(Buffer.concat([header, body]));
		});
	}
}

let clTRID = 0;
function command(inner) {
	return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <command>
    ${inner}
    <clTRID>registry-client-${process.pid}-${++clTRID}</clTRID>
  </command>
</epp>
`;
}

// The result code and svTRID of a response (the client needs nothing more:
// domxfer reads the rest).
function resultOf(xml) {
	return {
		code: Number((xml.match(/<result\s+code="(\d{4})"/) || [])[1]),
		svTRID: (xml.match(/<svTRID>([^<]*)<\/svTRID>/) || [])[1] || null,
		msgID: (xml.match(/<msgQ\b[^>]*\bid="([^"]*)"/) || [])[1] || null,
	};
}

// Drains the registry's poll queue into domxfer; returns how many messages.
async function pollAll(epp, db) {
	let n = 0;
	for (;;) {
		const xml = await epp.send(command('<poll op="req"/>'));
		const r = resultOf(xml);
		if (r.code === 1300)
			return n;
		if (r.code !== 1301)
			throw new Error(`poll failed with EPP result ${r.code}`);
		const { rows } = await db.query('SELECT * FROM domxfer.apply_registry_message($1)', [xml]);
		const a = rows[0];
		console.log(`registry message ${r.msgID}: ${a.result} (${a.tr_status || '-'} ${a.domain_name || '-'})`);
		const ack = resultOf(await epp.send(command(`<poll op="ack" msgID="${r.msgID}"/>`)));
		if (ack.code !== 1000)
			throw new Error(`poll ack failed with EPP result ${ack.code}`);
		n++;
	}
}

// Sends domxfer's waiting commands to the registry; returns how many.
async function answerAll(epp, db) {
	const { rows } = await db.query('SELECT * FROM domxfer.claim_registry_commands(10)');
	for (const c of rows) {
		const r = resultOf(await epp.send(c.xml));
		const { rows: s } = await db.query('SELECT domxfer.record_registry_response($1, $2, $3) AS state',
			[c.command_id, r.code, r.svTRID]);
		console.log(`command ${c.op} ${c.domain_name}: EPP ${r.code}, ${s[0].state}`);
	}
	return rows.length;
}

async function main() {
	const [host, port] = process.argv.slice(2);
	if (!host || !port)
		throw new Error('usage: node registry-client.js HOST PORT');
	const db = new Client();
	await db.connect();
	const socket = net.connect(Number(port), host);
	await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
	const epp = new EppSession(socket);
	try {
		// until both sides have nothing left to say
		for (let round = 0; round < 20; round++) {
			const polled = await pollAll(epp, db);
			const sent = await answerAll(epp, db);
			if (polled === 0 && sent === 0)
				break;
		}
	} finally {
		socket.end();
		await db.end();
	}
}

main().catch((err) => {
	console.error(`registry-client: ${err.message}`);
	process.exit(1);
});
