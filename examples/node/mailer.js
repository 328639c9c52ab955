#!/usr/bin/env node
// The holder's mailer: takes the notices domxfer owes (SPEC §9, the
// transactional outbox domxfer.notices), renders each in English and
// Chinese, sends it over SMTP and marks it sent.
//
//   claim_notices(batch, lease)   a batch, leased to this mailer's session
//   (send each over SMTP)         nodemailer
//   mark_notice_failed(id, error) if the SMTP server did not accept it:
//                                 retried with backoff
//   mark_notices_sent(ids)        the ones it accepted, in one statement
//                                 at the end of the batch
//
// Nothing is lost when the mailer dies (kill -9, a crash, a deploy): what it
// had claimed and not marked comes back to the next claim once the lease is
// over. A mail can then go out twice (sent, but killed before marking it):
// at most once more per lease expiry. The Message-ID is the notice's, so a
// receiving system can drop such a duplicate.
//
// Claims and marks go through one connection (one session): while a lease
// runs, only the session that claimed a notice can close it, so a mailer
// that was too slow (its lease passed and another mailer took the notice)
// changes nothing with its late marks; the database warns, and this mailer
// logs how many of its marks counted.
//
// It sleeps on LISTEN domxfer_transfer, a doorbell (SPEC §3): any
// notification, with or without payload, means "claim again"; it polls
// every --poll-ms as well, for notices whose lease or backoff ends.
//
// Connection: the usual PG* environment variables; the role needs
// domxfer_app. SMTP: --smtp-host (localhost), --smtp-port (25).
//
// Usage: node mailer.js [--batch N] [--lease-seconds S] [--poll-ms MS]
//        [--smtp-host H] [--smtp-port P] [--from ADDRESS]
//        [--exit-when-done] [--send-delay-ms MS]
//   --exit-when-done: exit once every notice is sent or has been tried once
//     in this run and failed (for tests and cron): status 0 when all are
//     sent, 3 when some are left unsent, each listed on stderr with why
//     (e.g. no usable recipient: such a notice is never sent by retrying)
//   --send-delay-ms: wait this long before each mail (to test a kill mid-batch)

'use strict';

const { Client } = require('pg');
const nodemailer = require('nodemailer');

function parseArguments(argv) {
	const o = {
		batch: 10, leaseSeconds: 300, pollMs: 1000, smtpHost: 'localhost', smtpPort: 25,
		from: 'transfers@registrar.example', exitWhenDone: false, sendDelayMs: 0,
	};
	const numeric = { '--batch': 'batch', '--lease-seconds': 'leaseSeconds', '--poll-ms': 'pollMs',
		'--smtp-port': 'smtpPort', '--send-delay-ms': 'sendDelayMs' };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a in numeric && i + 1 < argv.length)
			o[numeric[a]] = Number(argv[++i]);
		else if (a === '--smtp-host' && i + 1 < argv.length)
			o.smtpHost = argv[++i];
		else if (a === '--from' && i + 1 < argv.length)
			o.from = argv[++i];
		else if (a === '--exit-when-done')
			o.exitWhenDone = true;
		else
			throw new Error(`unknown argument ${a}`);
	}
	return o;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Why a notice has no recipient, in words the registrar can act on: the
// domain has no address, or has one that is not usable (R8's strict check,
// registrant_email_usable = false; a TLD whose rule set only warns on R8
// lets such a transfer start). The recipient is fixed when the notice is
// written; the domain's address now tells which case it is.
async function noRecipientReason(db, notice) {
	let row;
	try {
		const { rows } = await db.query(
			'SELECT registrant_email, registrant_email_usable FROM domxfer.domains WHERE name = $1',
			[notice.payload.domain]);
		row = rows[0];
	} catch (e) {
		row = undefined;	// no SELECT on domains: say what is known
	}
	if (row === undefined)
		return 'no recipient: the domain had no usable registrant e-mail address when the notice was written';
	if (row.registrant_email === null || row.registrant_email.trim() === '')
		return 'no recipient: the domain has no registrant e-mail address';
	if (row.registrant_email_usable === false)
		return `no recipient: the domain's registrant e-mail address ${JSON.stringify(row.registrant_email)} exists but is unusable (it fails rule R8's check)`;
	return `no recipient: the domain's registrant e-mail address was missing or unusable when the notice was written (it is ${JSON.stringify(row.registrant_email)} now)`;
}

function reasonLines(p, lang) {
	return (p.reasons || []).map((r) => `  - ${r.code}: ${lang === 'zh' ? r.meaning_zh || r.code : r.meaning_en || r.code}`);
}

// Subject and text of a notice, English first, then Chinese. Written for
// the holder: what to do in their account, never the database calls the
// payload names for the registrar's own application (how_to_cancel.call...).
function render(notice) {
	const p = notice.payload;
	const name = p.domain_unicode === p.domain ? p.domain : `${p.domain_unicode} (${p.domain})`;
	let en, zh, subjectEn, subjectZh;
	switch (notice.kind) {
	case 'auth_code_issued':
		subjectEn = `Auth code for ${name}`;
		subjectZh = `${p.domain_unicode} 的转移密码`;
		en = [`An auth code to transfer ${name} to another registrar was issued.`,
			`It is valid until ${p.auth_code_expires_at}.`,
			p.code_encrypted ? 'The code follows in a separate, encrypted message.' : 'Your registrar shows you the code in your account.',
			'If you did not ask for it, cancel the transfer in your account with us (or reply to this e-mail): the code then stops working at once.'];
		zh = [`域名 ${p.domain_unicode} 的转移密码已生成，有效期至 ${p.auth_code_expires_at}。`,
			`如非本人操作，请取消转移以作废此密码。`];
		break;
	case 'transfer_requested':
		subjectEn = `Transfer of ${name} requested by ${p.gaining_registrar}`;
		subjectZh = `${p.domain_unicode} 转移申请`;
		en = [`${p.gaining_registrar} asked to transfer ${name} on ${p.requested_at}.`,
			`Unless you cancel it in your account with us before ${p.deadline}, it completes then.`,
			p.how_to_approve ? 'You can also approve it now in your account, so it completes at once.' : 'It cannot be approved early.'];
		zh = [`${p.gaining_registrar} 于 ${p.requested_at} 申请转移域名 ${p.domain_unicode}。`,
			`如不在 ${p.deadline} 前取消，转移将于届时完成。`];
		break;
	case 'transfer_completed':
		subjectEn = `${name} has moved to ${p.gaining_registrar}`;
		subjectZh = `${p.domain_unicode} 已转出`;
		en = [`${name} was transferred to ${p.gaining_registrar} at ${p.decided_at}.`, ...reasonLines(p, 'en'),
			`It can be transferred back from ${p.transfer_back_from}.`];
		zh = [`域名 ${p.domain_unicode} 已于 ${p.decided_at} 转至 ${p.gaining_registrar}。`, ...reasonLines(p, 'zh'),
			`自 ${p.transfer_back_from} 起可再次转回。`];
		break;
	case 'transfer_rejected':
		subjectEn = `Transfer of ${name} rejected`;
		subjectZh = `${p.domain_unicode} 转移被拒绝`;
		en = [`The transfer of ${name} was rejected at ${p.decided_at}, because:`, ...reasonLines(p, 'en')];
		zh = [`域名 ${p.domain_unicode} 的转移已于 ${p.decided_at} 被拒绝，原因：`, ...reasonLines(p, 'zh')];
		break;
	case 'transfer_cancelled':
		subjectEn = `Transfer of ${name} cancelled`;
		subjectZh = `${p.domain_unicode} 转移已取消`;
		en = [`The transfer of ${name} was cancelled at ${p.decided_at}.`, ...reasonLines(p, 'en')];
		zh = [`域名 ${p.domain_unicode} 的转移已于 ${p.decided_at} 取消。`, ...reasonLines(p, 'zh')];
		break;
	case 'auth_code_expired':
		subjectEn = `Auth code for ${name} expired`;
		subjectZh = `${p.domain_unicode} 的转移密码已过期`;
		en = [`The auth code for ${name} expired unused at ${p.decided_at}; the transfer has ended.`];
		zh = [`域名 ${p.domain_unicode} 的转移密码已于 ${p.decided_at} 过期未使用，转移已结束。`];
		break;
	default:
		throw new Error(`unknown notice kind ${notice.kind}`);
	}
	return {
		subject: `${subjectEn} / ${subjectZh}`,
		text: [...en, '', ...zh, ''].join('\n'),
	};
}

async function main() {
	const o = parseArguments(process.argv.slice(2));
	const db = new Client();
	const listener = new Client();
	await db.connect();
	await listener.connect();
	const transport = nodemailer.createTransport({
		host: o.smtpHost, port: o.smtpPort, secure: false, ignoreTLS: true, pool: false,
	});

	let wake = null;
	listener.on('notification', () => { if (wake) wake(); });
	await listener.query('LISTEN domxfer_transfer');
	// notices that failed in this run, with why: --exit-when-done does not
	// wait for their retries
	const failed = new Map();
	let exitStatus = 0;

	for (;;) {
		const { rows } = await db.query('SELECT * FROM domxfer.claim_notices($1, make_interval(secs => $2))',
			[o.batch, o.leaseSeconds]);
		const sent = [];
		for (const n of rows) {
			if (o.sendDelayMs > 0)
				await sleep(o.sendDelayMs);
			try {
				if (!n.recipient)
					throw new Error(await noRecipientReason(db, n));
				const mail = render(n);
				await transport.sendMail({
					from: o.from, to: n.recipient, subject: mail.subject, text: mail.text,
					messageId: `<notice-${n.id}@domxfer.invalid>`,
					headers: { 'X-Domxfer-Notice': String(n.id), 'X-Domxfer-Attempt': String(n.attempts),
						'X-Domxfer-Kind': n.kind },
				});
				sent.push(n.id);
				failed.delete(String(n.id));
				console.log(`sent notice ${n.id} (${n.kind}) to ${n.recipient}`);
			} catch (e) {
				await db.query('SELECT domxfer.mark_notice_failed($1, $2)', [n.id, String(e.message || e)]);
				failed.set(String(n.id), `notice ${n.id} (${n.kind}, ${n.payload.domain}): ${e.message || e}`);
				console.log(`notice ${n.id} failed: ${e.message || e}`);
			}
		}
		if (sent.length > 0) {
			const { rows: m } = await db.query('SELECT domxfer.mark_notices_sent($1::bigint[]) AS marked', [sent]);
			console.log(`marked ${m[0].marked} of ${sent.length} sent notices`);
		}
		// a full batch, or one short of notices the claim superseded: more may wait
		if (rows.length > 0)
			continue;
		if (o.exitWhenDone) {
			// done when nothing is owed (unsent, not superseded) but what
			// already failed in this run
			const { rows: s } = await db.query(
				'SELECT count(*) AS n, array_agg(id::text) AS ids FROM domxfer.notices WHERE sent_at IS NULL AND superseded_at IS NULL AND NOT (id::text = ANY ($1))',
				[[...failed.keys()]]);
			if (Number(s[0].n) === 0) {
				const { rows: left } = await db.query(
					'SELECT id::text FROM domxfer.notices WHERE sent_at IS NULL AND superseded_at IS NULL AND id::text = ANY ($1) ORDER BY id',
					[[...failed.keys()]]);
				if (left.length > 0) {
					console.error(`mailer: ${left.length} notice(s) left unsent (they stay owed; see domxfer.overdue_notices):`);
					for (const l of left)
						console.error(`  ${failed.get(l.id)}`);
					exitStatus = 3;
				}
				break;
			}
		}
		await new Promise((resolve) => {
			const timer = setTimeout(resolve, o.pollMs);
			wake = () => { clearTimeout(timer); resolve(); };
		});
		wake = null;
	}
	transport.close();
	await listener.end();
	await db.end();
	process.exitCode = exitStatus;
}

if (require.main === module) {
	main().catch((e) => {
		console.error(`mailer: ${e.message || e}`);
		process.exit(1);
	});
}

module.exports = { render };
