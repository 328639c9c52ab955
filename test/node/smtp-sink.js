#!/usr/bin/env node
// A local SMTP sink for the mailer test: accepts every message and appends
// one line per message to OUTFILE: the X-Domxfer-Notice id, the attempt,
// the recipient and the subject (JSON). Usage: smtp-sink.js PORT OUTFILE
'use strict';
const fs = require('fs');
const { SMTPServer } = require('smtp-server');

const [port, outfile] = process.argv.slice(2);
const server = new SMTPServer({
	authOptional: true,
	disabledCommands: ['STARTTLS'],
	logger: false,
	onData(stream, session, callback) {
		const chunks = [];
		stream.on('data', (c) => chunks.push(c));
		stream.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			const header = (name) => {
				const m = raw.match(new RegExp(`^${name}: *(.*)$`, 'mi'));
				return m ? m[1].trim() : null;
			};
			fs.appendFileSync(outfile, JSON.stringify({
				notice: header('X-Domxfer-Notice'), attempt: header('X-Domxfer-Attempt'),
				kind: header('X-Domxfer-Kind'), to: session.envelope.rcptTo.map((r) => r.address),
				raw,
			}) + '\n');
			callback();
		});
	},
});
// A client killed mid-session (the test's kill -9 of the mailer) resets its
// connection: that is the client's end, not the sink's, which keeps serving.
server.on('error', (e) => console.log(`client connection error: ${e.code || e.message}`));
server.listen(Number(port), '127.0.0.1', () => console.log(`listening on ${port}`));
