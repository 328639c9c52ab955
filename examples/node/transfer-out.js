#!/usr/bin/env node
// A registrar application and its mailer, talking to domxfer through plain
// SQL on ordinary connections (the `pg` package).
//
// It runs whole transfers-out of demo domains:
//   1. the holder asks for the auth code        request_transfer_out
//   2. the gaining registrar's request arrives   receive_transfer_request
//   3. the transfer ends: the holder approves early (approve_transfer_out),
//      the holder cancels (cancel_transfer_out), or, with
//      --decide-at-deadline, the deadline passes (process_due_transfers at
//      the deadline: administrators and tests only, it decides EVERY transfer
//      due by then, so never run it against a production database).
// and afterwards looks up the new registrar with one call (rdap_domain).
//
// The mailer listens with the doorbell pattern (SPEC §3): LISTEN
// domxfer_transfer, take a cursor, and on every notification read what
// happened since with domxfer.transfer_events_since(cursor); it prints,
// one line per event, the e-mail it would send. A notification is only a
// doorbell: one may stand for many commits (domxfer.notify = coalesced,
// payload empty) or come per change (each, with 0.2.0's payload), and the
// mailer does the same for both. It reads what it needs from the reporting view
// domxfer.transfer_report. The auth code is the exception: the database
// returns it only once, to the application, which hands it to the mailer in
// memory.
//
// Connection: the usual PG* environment variables (PGHOST, PGPORT, PGUSER,
// PGDATABASE, ...). The role needs domxfer_app (domxfer_admin for
// --decide-at-deadline). The demo domains are created when missing; their
// names are the arguments (default: one fresh name).
//
// A transfer-out cannot be undone: the domain leaves, and the audit log is
// append-only. So the example writes only to a database it created itself
// (--create-database NAME: creates it, with the extension, and marks it as
// the example's) and otherwise only describes what it would do (a dry run),
// unless --write-to-existing-database says to write to the database PG*
// points at; even then it never touches a domain that existed before it ran.
//
// Usage: node transfer-out.js [--create-database NAME | --write-to-existing-database]
//        [--decide-at-deadline] [--gaining REGISTRAR] [NAME...]

'use strict';

const { Client } = require('pg');

const NOTICE_TIMEOUT_MS = 10000;
const CODE_WAIT_MS = 5000;
// The comment a database created by this example carries.
const OWN_DATABASE_MARK = 'created by examples/node/transfer-out.js for its demo transfers (throwaway data)';

function parseArguments(argv) {
	const options = { decideAtDeadline: false, gaining: 'gaining-reg', names: [],
		createDatabase: null, writeToExisting: false };
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--decide-at-deadline')
			options.decideAtDeadline = true;
		else if (argv[i] === '--gaining' && i + 1 < argv.length)
			options.gaining = argv[++i];
		else if (argv[i] === '--create-database' && i + 1 < argv.length)
			options.createDatabase = argv[++i];
		else if (argv[i] === '--write-to-existing-database')
			options.writeToExisting = true;
		else if (argv[i].startsWith('--'))
			throw new Error(`unknown option ${argv[i]}`);
		else
			options.names.push(argv[i]);
	}
	if (options.names.length === 0)
		options.names.push(`demo-${Date.now().toString(36)}.example`);
	if (options.createDatabase !== null && options.writeToExisting)
		throw new Error('--create-database and --write-to-existing-database exclude each other');
	return options;
}

// --create-database NAME: a database of the example's own, with the
// extension, marked so that later runs know it is theirs. An existing
// database of that name is used only if it carries the mark.
async function createOwnDatabase(name) {
	const admin = new Client({ database: 'postgres' });
	await admin.connect();
	try {
		const { rows } = await admin.query(
			"SELECT shobj_description(oid, 'pg_database') AS mark FROM pg_database WHERE datname = $1", [name]);
		if (rows.length > 0 && rows[0].mark !== OWN_DATABASE_MARK)
			throw new Error(`database "${name}" exists and was not created by this example: `
				+ 'pick another name for --create-database');
		if (rows.length === 0) {
			await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
			await admin.query(`COMMENT ON DATABASE ${admin.escapeIdentifier(name)} IS ${admin.escapeLiteral(OWN_DATABASE_MARK)}`);
			console.log(`app: database ${name} created for the demo`);
		}
	} finally {
		await admin.end();
	}
	process.env.PGDATABASE = name;
	const db = new Client();
	await db.connect();
	try {
		await db.query('SET client_min_messages = error');
		await db.query('CREATE EXTENSION IF NOT EXISTS domxfer');
	} finally {
		await db.end();
	}
}

// Whether the connected database is one this example created.
async function isOwnDatabase(client) {
	const { rows } = await client.query(
		"SELECT shobj_description(oid, 'pg_database') AS mark FROM pg_database WHERE datname = current_database()");
	return rows.length > 0 && rows[0].mark === OWN_DATABASE_MARK;
}

// The e-mail a notice asks for, as one line; null for a notice that needs none.
function mailFor(notice, transfer, authCode) {
	const to = transfer.registrant_email || '(no e-mail address)';
	const domain = transfer.unicode_name;
	switch (notice.state) {
		case 'auth_code_issued':
			if (authCode === null)
				return null;
			return `mail to ${to}: auth code for ${domain} is ${authCode}, valid until ${transfer.auth_code_expires_at}`;
		case 'pending':
			return `mail to ${to}: ${transfer.gaining_registrar} asked to transfer ${domain}; `
				+ `it completes at ${transfer.deadline} unless you cancel`;
		case 'completed':
			return `mail to ${to}: ${domain} was transferred to ${transfer.gaining_registrar} `
				+ `at ${transfer.decided_at} (${transfer.outcome_reason})`;
		case 'cancelled':
			return `mail to ${to}: the transfer of ${domain} was cancelled (${transfer.outcome_reason})`;
		case 'rejected':
			return `mail to ${to}: the transfer of ${domain} was rejected (${transfer.outcome_reason})`;
		case 'expired':
			return `mail to ${to}: the auth code for ${domain} expired unused`;
		case 'awaiting_documents':
			return `mail to ${to}: send the documents for the transfer of ${domain}`;
		default:
			return null;
	}
}

// Hands each auth code from the application to the mailer, in memory only.
// The notice can arrive before request_transfer_out's result does, so the
// mailer waits for the code of its transfer.
class AuthCodes {
	constructor() {
		this.entries = new Map();
	}

	entry(transferId) {
		const key = String(transferId);
		if (!this.entries.has(key)) {
			let resolve;
			const promise = new Promise((r) => { resolve = r; });
			this.entries.set(key, { promise, resolve });
		}
		return this.entries.get(key);
	}

	give(transferId, code) {
		this.entry(transferId).resolve(code);
	}

	// The code of the transfer, then forgotten; null when no code comes
	// (a transfer another application opened: that one mails its code).
	async take(transferId) {
		let timer;
		const code = await Promise.race([
			this.entry(transferId).promise,
			new Promise((resolve) => { timer = setTimeout(() => resolve(null), CODE_WAIT_MS); }),
		]);
		clearTimeout(timer);
		this.entries.delete(String(transferId));
		return code;
	}
}

// Instants as RFC 3339 UTC text, so the output does not depend on TimeZone.
async function connect() {
	const client = new Client();
	await client.connect();
	await client.query("SET TimeZone = 'UTC'");
	await client.query("SET DateStyle = 'ISO'");
	return client;
}

// The mailer: handles notices one after another, in arrival order.
class Mailer {
	constructor(client, authCodes) {
		this.client = client;
		this.authCodes = authCodes;
		this.handled = new Map();	// domain (A-label) -> notices handled
		this.queue = Promise.resolve();
		this.waiters = [];
		this.failure = null;
		this.cursor = null;
	}

	// LISTEN first, then the cursor: a commit between the two is read at
	// the first doorbell, and none is missed.
	async start() {
		await this.client.query('LISTEN domxfer_transfer');
		this.cursor = (await this.client.query(
			'SELECT next_cursor FROM domxfer.transfer_events_since(NULL)')).rows[0].next_cursor;
		this.client.on('notification', () => {
			this.queue = this.queue
				.then(() => this.readEvents())
				.catch((error) => { this.failure = error; this.wake(); });
		});
	}

	// Every event committed since the cursor, exactly once, in id order.
	async readEvents() {
		const { rows } = await this.client.query(
			'SELECT next_cursor, events FROM domxfer.transfer_events_since($1)', [this.cursor]);
		this.cursor = rows[0].next_cursor;
		for (const event of rows[0].events)
			await this.handle(event);
	}

	async handle(notice) {
		const { rows } = await this.client.query(
			`SELECT r.unicode_name, r.gaining_registrar, r.outcome_reason,
					to_char(r.deadline, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS deadline,
					to_char(r.decided_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS decided_at,
					to_char(r.auth_code_expires_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS auth_code_expires_at,
					d.registrant_email
			   FROM domxfer.transfer_report r
			   JOIN domxfer.domains d ON d.name = r.domain_name
			  WHERE r.transfer_id = $1`, [notice.transfer_id]);
		if (rows.length === 0)
			throw new Error(`notice for unknown transfer ${notice.transfer_id}`);
		const code = notice.state === 'auth_code_issued' ? await this.authCodes.take(notice.transfer_id) : null;
		const line = mailFor(notice, rows[0], code);
		if (line !== null)
			console.log(`${line} [transfer ${notice.transfer_id}, ${notice.state}]`);
		this.handled.set(notice.domain, this.count(notice.domain) + 1);
		this.wake();
	}

	count(domain) {
		return this.handled.get(domain) || 0;
	}

	wake() {
		this.waiters = this.waiters.filter((waiter) => {
			if (this.failure === null && this.count(waiter.domain) < waiter.count)
				return true;
			waiter.done();
			return false;
		});
	}

	// Resolves once `count` notices about the domain have been handled.
	waitFor(domain, count) {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(
				`only ${this.count(domain)} of ${count} notices about ${domain} arrived within ${NOTICE_TIMEOUT_MS} ms`)),
				NOTICE_TIMEOUT_MS);
			this.waiters.push({
				domain, count, done: () => {
					clearTimeout(timer);
					if (this.failure === null)
						resolve();
					else
						reject(this.failure);
				},
			});
			this.wake();
		});
	}
}

// A demo domain our registrar sponsors and that passes every rule, unless
// a domain of this name exists already.
async function ensureDemoDomain(app, name) {
	const { rows } = await app.query(
		`INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
		 VALUES (domxfer.normalize_domain($1), current_setting('domxfer.registrar_id'),
				 now() - interval '400 days', now() + interval '300 days', 'holder@example.net')
		 ON CONFLICT (name) DO NOTHING
		 RETURNING name`, [name]);
	return rows.length > 0;
}

// Application lines are printed before each call and mail lines after its
// notice, so the output is in a fixed order.
async function runTransfer(app, mailer, authCodes, name, ending, options) {
	const domain = (await app.query('SELECT domxfer.normalize_domain($1) AS name', [name])).rows[0].name;
	let expected = mailer.count(domain);

	console.log(`app: ${name}: the holder asks to transfer out`);
	const requested = await app.query(
		'SELECT transfer_id, auth_code FROM domxfer.request_transfer_out($1)', [name]);
	const { transfer_id: id, auth_code: code } = requested.rows[0];
	authCodes.give(id, code);
	await mailer.waitFor(domain, ++expected);

	// The holder gives the code to the gaining registrar, whose request arrives.
	console.log(`app: ${name}: ${options.gaining} sends its request with the code`);
	await app.query('SELECT domxfer.receive_transfer_request($1, $2, $3)', [name, code, options.gaining]);
	await mailer.waitFor(domain, ++expected);

	if (ending === 'approve') {
		console.log(`app: ${name}: the holder approves early`);
		await app.query('SELECT domxfer.approve_transfer_out($1)', [id]);
	} else if (ending === 'cancel') {
		console.log(`app: ${name}: the holder cancels`);
		await app.query('SELECT domxfer.cancel_transfer_out($1, $2)', [id, 'changed my mind']);
	} else {
		console.log(`app: ${name}: deciding as of the deadline`);
		await app.query(
			`SELECT domxfer.process_due_transfers(t.deadline, 1000)
			   FROM domxfer.transfer_report t WHERE t.transfer_id = $1`, [id]);
	}
	await mailer.waitFor(domain, ++expected);

	// "Who is the registrar now?" is one call.
	const rdap = await app.query('SELECT domxfer.rdap_domain($1) AS object', [name]);
	const object = rdap.rows[0].object;
	const registrar = object.entities.find((e) => e.roles.includes('registrar'));
	console.log(`rdap: ${object.ldhName}: registrar ${registrar.handle}, status ${object.status.join(', ')}`);
}

async function main() {
	const options = parseArguments(process.argv.slice(2));
	if (options.createDatabase !== null)
		await createOwnDatabase(options.createDatabase);
	const authCodes = new AuthCodes();
	const listener = await connect();
	const app = await connect();
	try {
		const registrar = (await app.query("SELECT current_setting('domxfer.registrar_id', true) AS id")).rows[0].id;
		if (!registrar)
			throw new Error('the setting domxfer.registrar_id is not set on this server');

		const own = await isOwnDatabase(app);
		const database = (await app.query('SELECT current_database() AS name')).rows[0].name;
		if (!own && !options.writeToExisting) {
			console.log(`dry run: database ${database} was not created by this example, so nothing is written to it.`);
			for (const name of options.names)
				console.log(`dry run: would create the demo domain ${name} and transfer it out to ${options.gaining}`
					+ ' (irreversible: the domain leaves, the audit log keeps every step)');
			console.log('To run it: --create-database NAME (a database of its own), or '
				+ `--write-to-existing-database to write to ${database} (only new demo domains are touched).`);
			return;
		}
		if (!own) {
			// never a domain that was there before: only the demo's own
			for (const name of options.names) {
				const { rows } = await app.query(
					'SELECT 1 FROM domxfer.domains WHERE name = domxfer.normalize_domain($1)', [name]);
				if (rows.length > 0)
					throw new Error(`domain ${name} exists in ${database}: the example transfers out only `
						+ 'demo domains it creates, never an existing one (use a fresh name)');
			}
		}

		const mailer = new Mailer(listener, authCodes);
		await mailer.start();

		// Each demo domain ends another way: approved, cancelled, at the deadline.
		const endings = ['approve', 'cancel'];
		if (options.decideAtDeadline)
			endings.push('deadline');
		for (let i = 0; i < options.names.length; i++) {
			const name = options.names[i];
			if (await ensureDemoDomain(app, name))
				console.log(`app: ${name}: demo domain created`);
			await runTransfer(app, mailer, authCodes, name, endings[i % endings.length], options);
		}
		await listener.query('UNLISTEN domxfer_transfer');
	} finally {
		await app.end();
		await listener.end();
	}
}

main().catch((error) => {
	const detail = error.detail ? ` (${error.detail})` : '';
	const code = error.code ? ` [SQLSTATE ${error.code}]` : '';
	console.error(`error: ${error.message}${detail}${code}`);
	process.exitCode = 1;
});
