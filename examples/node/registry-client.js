#!/usr/bin/env node
// The registrar's EPP client in registry mode (SPEC §8): the link between
// domxfer and a registry that checks auth codes and decides transfers
// (tld_policy.registry_transfers). domxfer has no network client of its
// own; this program is that link:
//
//   connect        TLS with a client certificate, RFC 5734 framing (each
//                  EPP data unit: a 4-byte big-endian length that counts
//                  itself, then the XML); read the <greeting>; <login> with
//                  clID/pw and the objURI/extURI the greeting offers
//   poll           <poll op="req"/> → domxfer.apply_registry_message(xml),
//                  and only after that transaction committed
//                  <poll op="ack" msgID="…"/>: a crash in between makes the
//                  registry deliver the message again, and domxfer answers
//                  `duplicate` (nothing lost, nothing applied twice)
//   answer         domxfer.claim_registry_commands() → send each command
//                  (transfer approve/reject, set/unset auth info) →
//                  domxfer.record_registry_response(id, code, svTRID)
//   stay           <hello/> when idle for EPP_KEEPALIVE_MS; after a lost
//                  connection or a refused login, reconnect with
//                  exponential backoff (capped); <logout/> on SIGTERM/SIGINT
//
// Auth codes (set_auth_info): claim_registry_commands may hand out an
// `auth_info` column, an OpenPGP message encrypted to this client's key;
// the command XML holds the placeholder @domxfer.auth_info@ inside
// <domain:pw>. The client decrypts it with EPP_PGP_PRIVATE_KEY and puts the
// code, XML-escaped, into the command in memory only: it is never logged
// and never written to disk. Without that column (domxfer before it) the
// client works as well.
//
// Environment (the database: the usual PG* variables; the role needs
// domxfer_app):
//   EPP_HOST, EPP_PORT        the registry (or HOST PORT as arguments)
//   EPP_CLID, EPP_PW          the login (required)
//   EPP_CERT, EPP_KEY         client certificate and key, PEM files (RFC 5734 §9)
//   EPP_CA                    CA certificates (PEM) to verify the registry
//                             with; default: Node's list
//   EPP_SERVERNAME            the name the registry's certificate must carry
//                             (default EPP_HOST)
//   EPP_PGP_PRIVATE_KEY       OpenPGP private key file (armored or binary),
//   EPP_PGP_PASSPHRASE        and its passphrase, for set_auth_info commands
//   EPP_POLL_MS               pause between rounds when idle (default 60000)
//   EPP_KEEPALIVE_MS          <hello/> after this long without a command
//                             (default 240000)
//   EPP_TIMEOUT_MS            wait this long for a response (default 60000)
//   EPP_BACKOFF_MS, EPP_BACKOFF_MAX_MS   first and largest pause before a
//                             reconnect (default 1000 and 300000)
//   EPP_LEASE_SECONDS         how long a claimed command is ours (default 300)
//
// Usage: node registry-client.js [--once] [HOST PORT]
//   --once: drain the poll queue and send the waiting commands, log out and
//   exit (status 1 on any failure); without it the client runs until
//   SIGTERM or SIGINT.

'use strict';

const fs = require('fs');
const tls = require('tls');
const { Client } = require('pg');
const { DOMParser } = require('@xmldom/xmldom');
const openpgp = require('openpgp');

const EPP_NS = 'urn:ietf:params:xml:ns:epp-1.0';
const AUTH_INFO_PLACEHOLDER = '@domxfer.auth_info@';
const MAX_FRAME = 16 * 1024 * 1024;

// An error with an EPP result, so the log says what the registry answered.
class EppError extends Error {
	constructor(what, result) {
		super(`${what}: EPP result ${result.code}${result.msg ? ` (${result.msg})` : ''}`);
		this.result = result;
	}
}

// Reads the configuration from the arguments and the environment, once.
function readConfig(argv, env) {
	const once = argv.includes('--once');
	const [host = env.EPP_HOST, port = env.EPP_PORT] = argv.filter((a) => a !== '--once');
	const number = (name, fallback) => {
		const v = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
		if (!Number.isFinite(v) || v <= 0)
			throw new Error(`${name} must be a positive number`);
		return v;
	};
	const file = (name) => (env[name] ? fs.readFileSync(env[name]) : undefined);
	if (!host || !port)
		throw new Error('usage: node registry-client.js [--once] HOST PORT (or EPP_HOST and EPP_PORT)');
	if (!env.EPP_CLID || !env.EPP_PW)
		throw new Error('EPP_CLID and EPP_PW must be set (the registry login)');
	return {
		once, host, port: Number(port), clID: env.EPP_CLID, pw: env.EPP_PW,
		cert: file('EPP_CERT'), key: file('EPP_KEY'), ca: file('EPP_CA'),
		serverName: env.EPP_SERVERNAME || host,
		pgpKeyFile: env.EPP_PGP_PRIVATE_KEY, pgpPassphrase: env.EPP_PGP_PASSPHRASE,
		pollMs: number('EPP_POLL_MS', 60000), keepaliveMs: number('EPP_KEEPALIVE_MS', 240000),
		timeoutMs: number('EPP_TIMEOUT_MS', 60000),
		backoffMs: number('EPP_BACKOFF_MS', 1000), backoffMaxMs: number('EPP_BACKOFF_MAX_MS', 300000),
		leaseSeconds: number('EPP_LEASE_SECONDS', 300),
		// test hook (test/node/run.sh): stop dead at this point until killed
		testPause: env.DOMXFER_CLIENT_TEST_PAUSE || '',
	};
}

// One line on stdout; never called with a secret.
function log(line) {
	process.stdout.write(`${line}\n`);
}

// A sleep that SIGTERM, SIGINT or a lost connection cut short.
class Waker {
	constructor() {
		this.stopping = false;
		this.wakers = new Set();
	}

	// Resolves after ms, or at once when wake() is called.
	sleep(ms) {
		return new Promise((resolve) => {
			const done = () => { clearTimeout(timer); this.wakers.delete(done); resolve(); };
			const timer = setTimeout(done, Math.max(0, ms));
			this.wakers.add(done);
		});
	}

	// Ends every sleep now.
	wake() {
		[...this.wakers].forEach((done) => done());
	}

	// Asks the client to log out and exit at the next safe point.
	stop() {
		this.stopping = true;
		this.wake();
	}
}

// One TLS connection to the registry with RFC 5734 framing: frames come in
// one at a time, in order, because EPP answers each command before the next.
class EppConnection {
	constructor(socket, config, waker) {
		this.socket = socket;
		this.timeoutMs = config.timeoutMs;
		this.buffer = Buffer.alloc(0);
		this.frames = [];
		this.waiting = [];
		this.closed = null;
		this.lastCommandAt = Date.now();
		socket.on('data', (chunk) => this.receive(chunk));
		socket.on('error', (err) => this.fail(err.reason ? connectError(err, config) : err));
		socket.on('close', () => { this.fail(new Error('the registry closed the connection')); waker.wake(); });
	}

	// Connects with TLS, our certificate, and the registry's verified.
	static open(config, waker) {
		return new Promise((resolve, reject) => {
			const socket = tls.connect({
				host: config.host, port: config.port, servername: config.serverName,
				cert: config.cert, key: config.key, ca: config.ca,
				minVersion: 'TLSv1.2', rejectUnauthorized: true,
			});
			const early = (err) => { socket.destroy(); reject(connectError(err, config)); };
			socket.on('error', () => {});	// after the handshake: EppConnection's handler
			socket.once('error', early);
			socket.once('secureConnect', () => {
				socket.off('error', early);
				resolve(new EppConnection(socket, config, waker));
			});
		});
	}

	// Cuts the byte stream into frames (length includes its own 4 bytes).
	receive(chunk) {
		this.buffer = Buffer.concat([this.buffer, chunk]);
		while (this.buffer.length >= 4) {
			const length = this.buffer.readUInt32BE(0);
			if (length <= 4 || length > MAX_FRAME) {
				this.fail(new Error(`bad EPP frame length ${length}`));
				this.socket.destroy();
				return;
			}
			if (this.buffer.length < length)
				return;
			const xml = this.buffer.subarray(4, length).toString('utf8');
			this.buffer = this.buffer.subarray(length);
			const next = this.waiting.shift();
			if (next)
				next.resolve(xml);
			else
				this.frames.push(xml);
		}
	}

	// Fails whoever waits, and every later call, with the first error.
	fail(err) {
		if (!this.closed)
			this.closed = err;
		this.waiting.splice(0).forEach((w) => w.reject(this.closed));
	}

	// The next frame from the registry (the greeting, or a response).
	nextFrame() {
		if (this.frames.length)
			return Promise.resolve(this.frames.shift());
		if (this.closed)
			return Promise.reject(this.closed);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.fail(new Error(`no answer from the registry within ${this.timeoutMs} ms`));
				this.socket.destroy();
			}, this.timeoutMs);
			this.waiting.push({
				resolve: (x) => { clearTimeout(timer); resolve(x); },
				reject: (e) => { clearTimeout(timer); reject(e); },
			});
		});
	}

	// Sends one EPP data unit and returns the registry's answer.
	exchange(xml) {
		if (this.closed)
			return Promise.reject(this.closed);
		const body = Buffer.from(xml, 'utf8');
		const header = Buffer.alloc(4);
		header.writeUInt32BE(body.length + 4);
		this.socket.write(Buffer.concat([header, body]));
		this.lastCommandAt = Date.now();
		return this.nextFrame();
	}

	// How long the session has been without a command.
	idleMs() {
		return Date.now() - this.lastCommandAt;
	}

	// Closes the connection (after <logout/>, or when giving up on it)
	// without waking anyone: a backoff pause that follows must run its time.
	close() {
		this.fail(new Error('connection closed by the client'));
		this.socket.removeAllListeners('close');
		this.socket.destroy();
	}
}

// A failed TLS connection in one line (openssl's text is several), with a
// hint when the registry wanted a certificate we did not have (with TLS 1.3
// that shows only after the handshake, on the first read).
function connectError(err, config) {
	const why = err.reason || err.code || err.message;
	const hint = /certificate required|handshake failure/i.test(why) && !config.cert
		? ' (the registry wants a client certificate: set EPP_CERT and EPP_KEY)' : '';
	return new Error(`TLS connection to ${config.host}:${config.port} failed: ${why}${hint}`);
}

// Parses an EPP document; refuses any DTD, so no entity is ever read.
function parseXml(text) {
	const errors = [];
	const doc = new DOMParser({
		onError: (level, message) => { if (level !== 'warning') errors.push(message); },
	}).parseFromString(text, 'text/xml');
	if (errors.length)
		throw new Error(`unreadable XML from the registry: ${errors[0]}`);
	if (doc.doctype)
		throw new Error('the registry sent a document with a DOCTYPE; refused');
	if (!doc.documentElement || doc.documentElement.localName !== 'epp')
		throw new Error('the registry sent a document whose root is not <epp>');
	return doc;
}

// The elements of that local name under node, in any namespace.
function elements(node, localName) {
	return Array.from(node.getElementsByTagNameNS('*', localName));
}

// The text of the first such element, trimmed, or null.
function textOf(node, localName) {
	const e = elements(node, localName)[0];
	return e ? e.textContent.trim() : null;
}

// What the client needs from a response: result, svTRID, the message id.
function readResponse(xml) {
	const doc = parseXml(xml);
	const result = elements(doc, 'result')[0];
	if (!result)
		throw new Error('the registry sent a document without <result>');
	const msgQ = elements(doc, 'msgQ')[0];
	return {
		code: Number(result.getAttribute('code')),
		msg: textOf(result, 'msg'),
		svTRID: textOf(doc, 'svTRID'),
		msgID: msgQ ? msgQ.getAttribute('id') || null : null,
	};
}

// What a <greeting> offers (RFC 5730 §2.4): the login must name only these.
function readGreeting(xml) {
	const doc = parseXml(xml);
	const greeting = elements(doc, 'greeting')[0];
	if (!greeting)
		throw new Error('the registry did not send a <greeting>');
	const versions = elements(greeting, 'version').map((e) => e.textContent.trim());
	const langs = elements(greeting, 'lang').map((e) => e.textContent.trim());
	return {
		eppNs: doc.documentElement.namespaceURI || EPP_NS,
		svID: textOf(greeting, 'svID') || '(no svID)',
		version: versions.includes('1.0') ? '1.0' : versions[0] || '1.0',
		lang: langs.includes('en') ? 'en' : langs[0] || 'en',
		objURIs: elements(greeting, 'objURI').map((e) => e.textContent.trim()),
		extURIs: elements(greeting, 'extURI').map((e) => e.textContent.trim()),
	};
}

// XML escape for text and attribute values.
function xmlEscape(value) {
	return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}

let clTRIDs = 0;
// A command of ours in the registry's EPP namespace, with a fresh clTRID.
function eppCommand(eppNs, inner) {
	return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="${xmlEscape(eppNs)}">
  <command>
    ${inner}
    <clTRID>registry-client-${process.pid}-${++clTRIDs}</clTRID>
  </command>
</epp>
`;
}

// <login> with what the greeting offers (RFC 5730 §2.9.1.1).
function loginXml(config, greeting) {
	const ext = greeting.extURIs.length
		? `<svcExtension>${greeting.extURIs.map((u) => `<extURI>${xmlEscape(u)}</extURI>`).join('')}</svcExtension>`
		: '';
	return eppCommand(greeting.eppNs, `<login>
      <clID>${xmlEscape(config.clID)}</clID>
      <pw>${xmlEscape(config.pw)}</pw>
      <options><version>${xmlEscape(greeting.version)}</version><lang>${xmlEscape(greeting.lang)}</lang></options>
      <svcs>${greeting.objURIs.map((u) => `<objURI>${xmlEscape(u)}</objURI>`).join('')}${ext}</svcs>
    </login>`);
}

// <hello/> has no <command> around it (RFC 5730 §2.3).
function helloXml(eppNs) {
	return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="${xmlEscape(eppNs)}"><hello/></epp>
`;
}

// Loads the OpenPGP private key for set_auth_info commands, if configured.
async function loadPgpKey(config) {
	if (!config.pgpKeyFile)
		return null;
	const bytes = fs.readFileSync(config.pgpKeyFile);
	const text = bytes.toString('utf8');
	const key = text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')
		? await openpgp.readPrivateKey({ armoredKey: text })
		: await openpgp.readPrivateKey({ binaryKey: bytes });
	return key.isDecrypted() ? key : openpgp.decryptKey({ privateKey: key, passphrase: config.pgpPassphrase || '' });
}

// The auth code of a command: its OpenPGP message (pgcrypto's
// pgp_pub_encrypt_bytea) decrypted with our key, as text. Memory only.
async function decryptAuthInfo(ciphertext, pgpKey) {
	if (!pgpKey)
		throw new Error('the command carries an encrypted auth code but EPP_PGP_PRIVATE_KEY is not set');
	const message = await openpgp.readMessage({ binaryMessage: new Uint8Array(ciphertext) });
	const { data } = await openpgp.decrypt({ message, decryptionKeys: pgpKey, format: 'binary' });
	return Buffer.from(data).toString('utf8');
}

// The XML to send for a claimed command: as domxfer wrote it, or, for a
// command with auth_info, with the decrypted code in place of the one
// placeholder, which must be the whole text of a <pw> element.
async function commandXml(command, pgpKey) {
	const uses = command.xml.split(AUTH_INFO_PLACEHOLDER).length - 1;
	if (command.auth_info === null || command.auth_info === undefined) {
		if (uses)
			throw new Error(`command ${command.command_id} has the auth code placeholder but no auth_info`);
		return command.xml;
	}
	const holders = elements(parseXml(command.xml), 'pw').filter((e) => e.textContent === AUTH_INFO_PLACEHOLDER);
	if (uses !== 1 || holders.length !== 1)
		throw new Error(`command ${command.command_id} carries auth_info but not exactly one <pw>${AUTH_INFO_PLACEHOLDER}</pw>`);
	const code = await decryptAuthInfo(command.auth_info, pgpKey);
	return command.xml.replace(AUTH_INFO_PLACEHOLDER, () => xmlEscape(code));
}

// The database link: one connection, and whether claim_registry_commands
// hands out auth_info (domxfer with set_auth_info) or not.
async function openDatabase() {
	const db = new Client();
	db.on('error', () => {});	// a lost connection fails the next query
	await db.connect();
	const { rows } = await db.query(`
		SELECT coalesce(bool_or('auth_info' = ANY (p.proargnames)), false) AS has_auth_info
		  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
		 WHERE n.nspname = 'domxfer' AND p.proname = 'claim_registry_commands'`);
	db.hasAuthInfo = rows[0].has_auth_info;
	return db;
}

// The test hook: stop here (the test kills us with SIGKILL).
async function testPause(config, point, what) {
	if (config.testPause !== point)
		return;
	log(`test pause: ${point} ${what}`);
	await new Promise(() => setInterval(() => {}, 60000));
}

// Greeting, then login; throws (and the caller backs off) when refused.
async function login(epp, config) {
	const greeting = readGreeting(await epp.nextFrame());
	const r = readResponse(await epp.exchange(loginXml(config, greeting)));
	if (r.code !== 1000)
		throw new EppError(`login as ${config.clID} refused`, r);
	return greeting;
}

// Drains the registry's poll queue into domxfer; returns how many messages.
async function drainPollQueue(epp, db, config, greeting, waker) {
	let n = 0;
	while (!waker.stopping) {
		const xml = await epp.exchange(eppCommand(greeting.eppNs, '<poll op="req"/>'));
		const r = readResponse(xml);
		if (r.code === 1300)
			return n;
		if (r.code !== 1301 || !r.msgID)
			throw new EppError('poll request failed', r);
		// autocommit: when the query returns, the message is committed
		const { rows } = await db.query('SELECT * FROM domxfer.apply_registry_message($1)', [xml]);
		const a = rows[0];
		log(`registry message ${r.msgID}: ${a.result} (${a.tr_status || '-'} ${a.domain_name || '-'})`);
		await testPause(config, 'after_apply', r.msgID);
		const ack = readResponse(await epp.exchange(eppCommand(greeting.eppNs, `<poll op="ack" msgID="${xmlEscape(r.msgID)}"/>`)));
		if (ack.code !== 1000)
			throw new EppError(`poll ack of ${r.msgID} failed`, ack);
		n++;
	}
	return n;
}

// Sends domxfer's waiting commands to the registry; returns how many.
async function sendQueuedCommands(epp, db, config, pgpKey) {
	const { rows } = await db.query(
		`SELECT command_id, domain_name, op, xml${db.hasAuthInfo ? ', auth_info' : ''}
		   FROM domxfer.claim_registry_commands(10, pg_catalog.make_interval(secs => $1))`,
		[config.leaseSeconds]);
	let sent = 0;
	const heldBack = new Set();	// domains whose earlier command could not go out
	for (const c of rows) {
		let xml;
		try {
			// a domain's commands go out in the order they were queued
			if (heldBack.has(c.domain_name))
				throw new Error('an earlier command of this domain was not sent');
			xml = await commandXml(c, pgpKey);
		} catch (err) {
			// left claimed: it comes back after its lease, maybe with a key then
			heldBack.add(c.domain_name);
			console.error(`registry-client: command ${c.command_id} (${c.op} ${c.domain_name}) not sent: ${err.message}`);
			continue;
		}
		await testPause(config, 'after_claim', c.command_id);
		const r = readResponse(await epp.exchange(xml));
		xml = null;
		const { rows: s } = await db.query('SELECT domxfer.record_registry_response($1, $2, $3) AS state',
			[c.command_id, r.code, r.svTRID]);
		log(`command ${c.command_id} ${c.op} ${c.domain_name}: EPP ${r.code}, ${s[0].state}`);
		sent++;
		if (r.code >= 2500)
			throw new EppError('the registry is closing the session', r);
	}
	return sent;
}

// Waits up to EPP_POLL_MS, saying <hello/> whenever the session has been
// quiet for EPP_KEEPALIVE_MS; returns early on stop or a lost connection.
async function idle(epp, config, greeting, waker) {
	const until = Date.now() + config.pollMs;
	while (!waker.stopping && !epp.closed && Date.now() < until) {
		await waker.sleep(Math.min(until - Date.now(), config.keepaliveMs - epp.idleMs()));
		if (!waker.stopping && !epp.closed && epp.idleMs() >= config.keepaliveMs) {
			readGreeting(await epp.exchange(helloXml(greeting.eppNs)));
			log('keepalive: hello answered with a greeting');
		}
	}
}

// One session: connect, log in, poll and answer until stopped (or, with
// --once, until both sides have nothing left), log out.
async function runSession(config, pgpKey, waker, onLoggedIn) {
	const db = await openDatabase();
	let epp = null;
	try {
		epp = await EppConnection.open(config, waker);
		const greeting = await login(epp, config);
		onLoggedIn();
		log(`logged in to ${greeting.svID} as ${config.clID} (${db.hasAuthInfo ? 'with' : 'without'} auth_info)`);
		while (!waker.stopping) {
			const polled = await drainPollQueue(epp, db, config, greeting, waker);
			const sent = await sendQueuedCommands(epp, db, config, pgpKey);
			if (polled || sent)
				continue;
			if (config.once)
				break;
			await idle(epp, config, greeting, waker);
		}
		const r = readResponse(await epp.exchange(eppCommand(greeting.eppNs, '<logout/>')));
		log(`logged out: EPP ${r.code}`);
	} finally {
		if (epp)
			epp.close();
		await db.end().catch(() => {});
	}
}

// The pause before reconnect attempt n (1, 2, …): doubling, capped, with up
// to a quarter more at random so many clients do not come back in step.
function backoffDelay(n, config) {
	const base = Math.min(config.backoffMaxMs, config.backoffMs * 2 ** Math.min(n - 1, 30));
	return Math.round(Math.min(config.backoffMaxMs, base * (1 + Math.random() / 4)));
}

// Runs sessions until stopped, backing off after each failure.
async function main() {
	const config = readConfig(process.argv.slice(2), process.env);
	const waker = new Waker();
	process.on('SIGTERM', () => waker.stop());
	process.on('SIGINT', () => waker.stop());
	const pgpKey = await loadPgpKey(config);
	let failures = 0;
	while (!waker.stopping) {
		try {
			await runSession(config, pgpKey, waker, () => { failures = 0; });
			if (config.once)
				break;
		} catch (err) {
			console.error(`registry-client: ${err.message}`);
			if (config.once)
				process.exit(1);
			if (waker.stopping)
				break;
			const delay = backoffDelay(++failures, config);
			console.error(`registry-client: retrying in ${delay} ms (attempt ${failures + 1})`);
			await waker.sleep(delay);
		}
	}
	log('registry-client: stopped');
}

if (require.main === module) {
	main().catch((err) => {
		console.error(`registry-client: ${err.message}`);
		process.exit(1);
	});
}

module.exports = { readConfig, EppConnection, Waker, login, commandXml, eppCommand, readResponse, readGreeting, loadPgpKey, xmlEscape };
