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
//   --exit-when-done: exit once no notice is unsent (for tests and cron)
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

function reasonLines(p, lang) {
	return (p.reasons || []).map((r) => `  - ${r.code}: ${lang === 'zh' ? r.meaning_zh || r.code : r.meaning_en || r.code}`);
}

// Subject and text of a notice, English first, then Chinese.
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
			`If you did not ask for it, void it by cancelling the transfer (${p.how_to_void.cancel}).`];
		zh = [`域名 ${p.domain_unicode} 的转移密码已生成，有效期至 ${p.auth_code_expires_at}。`,
			`如非本人操作，请取消转移以作废此密码。`];
		break;
	case 'transfer_requested':
		subjectEn = `Transfer of ${name} requested by ${p.gaining_registrar}`;
		subjectZh = `${p.domain_unicode} 转移申请`;
		en = [`${p.gaining_registrar} asked to transfer ${name} on ${p.requested_at}.`,
			`Unless you cancel it (${p.how_to_cancel.call}) before ${p.deadline}, it completes then.`,
			p.how_to_approve ? `You can also approve it now (${p.how_to_approve.call}).` : 'It cannot be approved early.'];
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

	for (;;) {
		const { rows } = await db.query('SELECT * FROM domxfer.claim_notices($1, make_interval(secs => $2))',
			[o.batch, o.leaseSeconds]);
		const sent = [];
		for (const n of rows) {
			if (o.sendDelayMs > 0)
				await sleep(o.sendDelayMs);
			try {
				if (!n.recipient)
					throw new Error('the domain has no registrant e-mail address');
				const mail = render(n);
				await transport.sendMail({
					from: o.from, to: n.recipient, subject: mail.subject, text: mail.text,
					messageId: `<notice-${n.id}@domxfer.invalid>`,
					headers: { 'X-Domxfer-Notice': String(n.id), 'X-Domxfer-Attempt': String(n.attempts),
						'X-Domxfer-Kind': n.kind },
				});
				sent.push(n.id);
				console.log(`sent notice ${n.id} (${n.kind}) to ${n.recipient}`);
			} catch (e) {
				await db.query('SELECT domxfer.mark_notice_failed($1, $2)', [n.id, String(e.message || e)]);
				console.log(`notice ${n.id} failed: ${e.message || e}`);
			}
		}
		if (sent.length > 0) {
			const { rows: m } = await db.query('SELECT domxfer.mark_notices_sent($1::bigint[]) AS marked', [sent]);
			console.log(`marked ${m[0].marked} of ${sent.length} sent notices`);
		}
		if (rows.length === o.batch)
			continue;
		if (o.exitWhenDone) {
			const { rows: s } = await db.query('SELECT unsent FROM domxfer.notice_status');
			if (Number(s[0].unsent) === 0)
				break;
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
}

if (require.main === module) {
	main().catch((e) => {
		console.error(`mailer: ${e.message || e}`);
		process.exit(1);
	});
}

module.exports = { render };
