#!/usr/bin/env node
// A fake EPP registry for test/node/run.sh (not part of domxfer): the far
// end of examples/node/registry-client.js, over real TLS (Node's tls module)
// with RFC 5734 framing (a 4-byte big-endian length counting itself, then
// the XML).
//
// It requires a client certificate signed by the test's CA (FAKE_TLS_DIR:
// ca.pem, server.pem, server.key), sends a <greeting> on connect, checks
// <login> against FAKE_CLID/FAKE_PW (2200 for a wrong one, and it closes the
// connection), and serves a poll queue: one transfer request (trStatus
// pending) per domain named on the command line, each made from a real
// registry message of the corpus (test/epp/corpus/nomulus-poll-server-approved.xml)
// with this transfer's values. It answers:
//   <hello/>                 the greeting
//   <poll op="req">          1301 with the oldest queued message, or 1300
//   <poll op="ack" msgID>    1000 (the message leaves the queue), 2303 unknown
//   <transfer op="approve"|"reject">  of a pending domain: RESULT (1000 by
//                            default) and, when 1xxx, queues the outcome
//                            (clientApproved / clientRejected); 2301 else
//   <update> (set/unset auth info)    1000
//   <logout/>                1500, and closes
// Everything it sees is appended to DIR/registry.log, one JSON object a line
// ({t, event, ...}), so the test can check it. Commands on standard input:
//   drop                 close every connection now
//   pending DOMAIN       queue a transfer request for DOMAIN
//   result CODE          answer transfer commands with CODE from now on
// It exits when its standard input closes.
//
// Usage: FAKE_TLS_DIR=… FAKE_CLID=… FAKE_PW=… node fake-registry.js DIR LOSING_REGISTRAR DOMAIN...
// (NODE_PATH must find @xmldom/xmldom: the example's node_modules.)

'use strict';

const fs = require('fs');
const path = require('path');
const tls = require('tls');
const readline = require('readline');
const { DOMParser, XMLSerializer } = require('@xmldom/xmldom');

const [dir, losing, ...domains] = process.argv.slice(2);
const tlsDir = process.env.FAKE_TLS_DIR;
const logFile = path.join(dir, 'registry.log');
const template = fs.readFileSync(path.join(__dirname, '..', 'epp', 'corpus', 'nomulus-poll-server-approved.xml'), 'utf8');
const EPP_NS = 'urn:ietf:params:xml:ns:epp-1.0';
const OBJ_URIS = ['urn:ietf:params:xml:ns:domain-1.0', 'urn:ietf:params:xml:ns:contact-1.0', 'urn:ietf:params:xml:ns:host-1.0'];
const EXT_URIS = ['urn:ietf:params:xml:ns:secDNS-1.1', 'urn:ietf:params:xml:ns:epp:secure-authinfo-transfer-1.0'];

const queue = [];
const pending = new Map();
const sockets = new Set();
let nextId = 1;
let transferResult = 1000;

// One line of the log the test reads.
function record(event, fields) {
	fs.appendFileSync(logFile, `${JSON.stringify({ t: Date.now(), event, ...fields })}\n`);
}

// The first element of that local name, in any namespace.
function first(node, localName) {
	return node.getElementsByTagNameNS('*', localName)[0] || null;
}

// Its text, or ''.
function text(node, localName) {
	const e = first(node, localName);
	return e ? e.textContent.trim() : '';
}

// A poll message: the corpus message with this transfer's values.
function notice(domain, trStatus, t) {
	const doc = new DOMParser().parseFromString(template, 'text/xml');
	const set = (name, value) => { first(doc, name).textContent = value; };
	const id = `${nextId++}-fake`;
	first(doc, 'msgQ').setAttribute('id', id);
	set('qDate', new Date().toISOString());
	first(first(doc, 'msgQ'), 'msg').textContent = `Transfer ${trStatus}.`;
	set('name', domain);
	set('trStatus', trStatus);
	set('reID', t.gaining);
	set('reDate', new Date(t.reDate).toISOString());
	set('acID', losing);
	set('acDate', new Date(t.acDate).toISOString());
	const exDate = first(doc, 'exDate');
	exDate.parentNode.removeChild(exDate);
	return { id, xml: new XMLSerializer().serializeToString(doc) };
}

// Queues a new transfer request for domain.
function queuePending(domain) {
	const t = { gaining: 'gaining-reg', reDate: Date.now(), acDate: Date.now() + 5 * 86400000 };
	pending.set(domain, t);
	queue.push(notice(domain, 'pending', t));
}

// A response with that result.
function response(code, msg, body = '') {
	return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="${EPP_NS}">
  <response>
    <result code="${code}">
      <msg>${msg}</msg>
    </result>${body}
    <trID>
      <svTRID>fake-${Date.now()}-${code}</svTRID>
    </trID>
  </response>
</epp>
`;
}

// The greeting (RFC 5730 §2.4).
function greeting() {
	return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="${EPP_NS}">
  <greeting>
    <svID>fake registry</svID>
    <svDate>${new Date().toISOString()}</svDate>
    <svcMenu>
      <version>1.0</version>
      <lang>en</lang>
      ${OBJ_URIS.map((u) => `<objURI>${u}</objURI>`).join('\n      ')}
      <svcExtension>${EXT_URIS.map((u) => `<extURI>${u}</extURI>`).join('')}</svcExtension>
    </svcMenu>
    <dcp><access><all/></access><statement><purpose><admin/><prov/></purpose><recipient><ours/></recipient><retention><stated/></retention></statement></dcp>
  </greeting>
</epp>
`;
}

// Answers one EPP data unit of a session; returns [xml, close after it].
function answer(session, xml) {
	let doc;
	try {
		doc = new DOMParser({ onError: (level, m) => { if (level !== 'warning') throw new Error(m); } }).parseFromString(xml, 'text/xml');
	} catch (err) {
		record('command', { kind: 'unreadable', error: err.message });
		return [response(2001, 'Command syntax error'), false];
	}
	if (first(doc, 'hello')) {
		record('command', { kind: 'hello' });
		return [greeting(), false];
	}
	const command = first(doc, 'command');
	const clTRID = command ? text(command, 'clTRID') : '';
	const login = first(doc, 'login');
	if (login) {
		const clID = text(login, 'clID');
		const pwOk = clID === process.env.FAKE_CLID && text(login, 'pw') === process.env.FAKE_PW;
		const objURIs = Array.from(login.getElementsByTagNameNS('*', 'objURI')).map((e) => e.textContent.trim());
		const extURIs = Array.from(login.getElementsByTagNameNS('*', 'extURI')).map((e) => e.textContent.trim());
		const svcsOk = objURIs.every((u) => OBJ_URIS.includes(u)) && extURIs.every((u) => EXT_URIS.includes(u));
		const code = !pwOk ? 2200 : !svcsOk ? 2307 : 1000;
		record('command', { kind: 'login', clID, pwOk, objURIs, extURIs, code, clTRID });
		session.loggedIn = code === 1000;
		return [response(code, code === 1000 ? 'Command completed successfully' : 'Authentication error'), code !== 1000];
	}
	if (!session.loggedIn) {
		record('command', { kind: 'before-login', clTRID, code: 2002 });
		return [response(2002, 'Command use error'), false];
	}
	if (first(doc, 'logout')) {
		record('command', { kind: 'logout', clTRID, code: 1500 });
		return [response(1500, 'Command completed successfully; ending session'), true];
	}
	const poll = first(doc, 'poll');
	if (poll && poll.getAttribute('op') === 'req') {
		const code = queue.length ? 1301 : 1300;
		record('command', { kind: 'poll req', clTRID, code, msgID: queue.length ? queue[0].id : null, queued: queue.length });
		return [queue.length ? queue[0].xml : response(1300, 'Command completed successfully; no messages'), false];
	}
	if (poll && poll.getAttribute('op') === 'ack') {
		const msgID = poll.getAttribute('msgID');
		const i = queue.findIndex((m) => m.id === msgID);
		if (i >= 0)
			queue.splice(i, 1);
		record('command', { kind: 'poll ack', clTRID, msgID, code: i >= 0 ? 1000 : 2303, queued: queue.length });
		return i >= 0
			? [response(1000, 'Command completed successfully', `\n    <msgQ count="${queue.length}" id="${msgID}"/>`), false]
			: [response(2303, 'Object does not exist'), false];
	}
	const transfer = first(doc, 'transfer');
	if (transfer && ['approve', 'reject'].includes(transfer.getAttribute('op'))) {
		const op = transfer.getAttribute('op');
		const domain = text(transfer, 'name');
		const t = pending.get(domain);
		const code = !t ? 2301 : transferResult;
		record('command', { kind: `transfer ${op}`, domain, clTRID, code, authInfo: first(doc, 'authInfo') !== null });
		if (code >= 2000)
			return [response(code, 'Command failed'), false];
		pending.delete(domain);
		queue.push(notice(domain, op === 'approve' ? 'clientApproved' : 'clientRejected', { ...t, acDate: Date.now() }));
		return [response(code, 'Command completed successfully'), false];
	}
	const update = first(doc, 'update');
	if (update) {
		// the registry keeps the code; the test checks it arrived, and where
		const pw = first(update, 'pw');
		record('command', { kind: 'update', domain: text(update, 'name'), clTRID, code: 1000,
			pw: pw ? pw.textContent : null, pwParent: pw ? pw.parentNode.localName : null, raw: xml });
		return [response(1000, 'Command completed successfully'), false];
	}
	record('command', { kind: 'other', clTRID, code: 2101 });
	return [response(2101, 'Unimplemented command'), false];
}

// Writes one EPP data unit.
function send(socket, xml) {
	const body = Buffer.from(xml, 'utf8');
	const header = Buffer.alloc(4);
	header.writeUInt32BE(body.length + 4);
	socket.write(Buffer.concat([header, body]));
}

domains.forEach(queuePending);

const server = tls.createServer({
	key: fs.readFileSync(path.join(tlsDir, 'server.key')),
	cert: fs.readFileSync(path.join(tlsDir, 'server.pem')),
	ca: fs.readFileSync(path.join(tlsDir, 'ca.pem')),
	requestCert: true,
	rejectUnauthorized: true,
	minVersion: 'TLSv1.2',
}, (socket) => {
	const session = { loggedIn: false };
	sockets.add(socket);
	record('connect', { subject: socket.getPeerCertificate().subject.CN });
	let buffer = Buffer.alloc(0);
	socket.on('data', (chunk) => {
		buffer = Buffer.concat([buffer, chunk]);
		while (buffer.length >= 4 && buffer.length >= buffer.readUInt32BE(0)) {
			const length = buffer.readUInt32BE(0);
			const [out, close] = answer(session, buffer.subarray(4, length).toString('utf8'));
			buffer = buffer.subarray(length);
			send(socket, out);
			if (close) {
				socket.end();
				break;
			}
		}
	});
	socket.on('close', () => { sockets.delete(socket); record('disconnect', {}); });
	socket.on('error', () => {});
	send(socket, greeting());
});
server.on('tlsClientError', (err) => record('tls_refused', { reason: err.code || err.message }));
server.listen(0, '127.0.0.1', () => {
	fs.writeFileSync(path.join(dir, 'registry.port'), String(server.address().port));
});

readline.createInterface({ input: process.stdin }).on('line', (line) => {
	const [what, arg] = line.trim().split(/\s+/);
	if (what === 'drop') {
		record('drop', { connections: sockets.size });
		sockets.forEach((s) => s.destroy());
	} else if (what === 'pending') {
		queuePending(arg);
		record('queued', { domain: arg, queued: queue.length });
	} else if (what === 'result') {
		transferResult = Number(arg);
	}
}).on('close', () => process.exit(0));
