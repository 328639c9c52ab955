#!/usr/bin/env node
// A tiny fake EPP registry for test/node/run.sh (not part of domxfer): the
// far end of examples/node/registry-client.js.
//
// It speaks EPP over TCP with RFC 5734 framing (a 4-byte length, then the
// XML), without TLS and without a login. Its poll queue starts with one
// transfer request (trStatus pending) per domain named on the command line;
// the messages are made from a real registry message of the corpus
// (test/epp/corpus/nomulus-poll-server-approved.xml) by replacing the
// <domain:*> values. It answers:
//   <poll op="req">        1301 with the oldest queued message, or 1300
//   <poll op="ack" msgID>  1000 (the message leaves the queue)
//   <transfer op="approve"|"reject"> of a pending domain: 1000, and queues
//                          the outcome (clientApproved / clientRejected);
//                          of any other domain: 2301 (not pending transfer)
// Every command it receives is appended to LOG (one line: op, domain,
// clTRID, and whether it carried authInfo), so the test can check them.
//
// Usage: node fake-registry.js PORT_FILE LOG LOSING_REGISTRAR DOMAIN...
// It listens on a free port, writes the port to PORT_FILE, and exits when
// its standard input closes.

'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');

const [portFile, logFile, losing, ...domains] = process.argv.slice(2);
const template = fs.readFileSync(path.join(__dirname, '..', 'epp', 'corpus', 'nomulus-poll-server-approved.xml'), 'utf8');

const queue = [];
const pending = new Map();
let nextId = 1;

function rfc3339(ms) {
	return new Date(ms).toISOString();
}

// A poll message in the corpus message's shape with this transfer's values.
function notice(domain, trStatus, t) {
	const id = `${nextId++}-fake`;
	const xml = template
		.replace(/<msgQ count="\d+" id="[^"]*">/, `<msgQ count="1" id="${id}">`)
		.replace(/<qDate>[^<]*</, `<qDate>${rfc3339(Date.now())}<`)
		.replace(/<msg>Transfer approved.<\/msg>/, `<msg>Transfer ${trStatus}.</msg>`)
		.replace(/<domain:name>[^<]*</, `<domain:name>${domain}<`)
		.replace(/<domain:trStatus>[^<]*</, `<domain:trStatus>${trStatus}<`)
		.replace(/<domain:reID>[^<]*</, `<domain:reID>${t.gaining}<`)
		.replace(/<domain:reDate>[^<]*</, `<domain:reDate>${rfc3339(t.reDate)}<`)
		.replace(/<domain:acID>[^<]*</, `<domain:acID>${losing}<`)
		.replace(/<domain:acDate>[^<]*</, `<domain:acDate>${rfc3339(t.acDate)}<`)
		.replace(/\s*<domain:exDate>[^<]*<\/domain:exDate>/, '');
	return { id, xml };
}

function response(code, text, body = '') {
	return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <response>
    <result code="${code}">
      <msg>${text}</msg>
    </result>${body}
    <trID>
      <svTRID>fake-${Date.now()}-${code}</svTRID>
    </trID>
  </response>
</epp>
`;
}

function answer(command) {
	const clTRID = (command.match(/<clTRID>([^<]*)<\/clTRID>/) || [])[1] || '';
	const op = (command.match(/<(poll|transfer)\s+op="([a-z]+)"/) || []).slice(1).join(' ');
	const domain = (command.match(/<domain:name>([^<]*)<\/domain:name>/) || [])[1] || '';
	fs.appendFileSync(logFile, `${op} ${domain || '-'} ${clTRID || '-'} authInfo=${/authInfo|:pw>/.test(command)}\n`);
	if (op === 'poll req') {
		if (queue.length === 0)
			return response(1300, 'Command completed successfully; no messages');
		// the queued message itself is the response
		return queue[0].xml;
	}
	if (op === 'poll ack') {
		const msgID = (command.match(/msgID="([^"]*)"/) || [])[1];
		const i = queue.findIndex((m) => m.id === msgID);
		if (i < 0)
			return response(2303, 'Object does not exist');
		queue.splice(i, 1);
		return response(1000, 'Command completed successfully', `\n    <msgQ count="${queue.length}" id="${msgID}"/>`);
	}
	if (op === 'transfer approve' || op === 'transfer reject') {
		const t = pending.get(domain);
		if (!t)
			return response(2301, 'Object not pending transfer');
		pending.delete(domain);
		const status = op === 'transfer approve' ? 'clientApproved' : 'clientRejected';
		queue.push(notice(domain, status, { ...t, acDate: Date.now() }));
		return response(1000, 'Command completed successfully');
	}
	return response(2000, 'Unknown command');
}

for (const domain of domains) {
	const t = { gaining: 'gaining-reg', reDate: Date.now(), acDate: Date.now() + 5 * 86400000 };
	pending.set(domain, t);
	queue.push(notice(domain, 'pending', t));
}

const server = net.createServer((socket) => {
	let buffer = Buffer.alloc(0);
	socket.on('data', (chunk) => {
		buffer = Buffer.concat([buffer, chunk]);
		while (buffer.length >= 4 && buffer.length >= buffer.readUInt32BE(0)) {
			const length = buffer.readUInt32BE(0);
			const command = buffer.subarray(4, length).toString('utf8');
			buffer = buffer.subarray(length);
			const out = Buffer.from(answer(command), 'utf8');
			const header = Buffer.alloc(4);
			header.writeUInt32BE(out.length + 4);
			socket.write(Buffer.concat([header, out]));
		}
	});
	socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
	fs.writeFileSync(portFile, String(server.address().port));
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
