#!/usr/bin/env node
// The code at the registry, for test/node/registry.sh (not part of domxfer).
//
//   auth-info.js keygen DIR
//       makes the EPP client's OpenPGP key (RSA: pgcrypto encrypts only to
//       RSA and Elgamal keys) with passphrase TEST_PGP_PASSPHRASE, writes
//       DIR/pgp-public.asc and DIR/pgp-private.asc
//   auth-info.js send DIR CLIENT
//       with the EPP_* settings of the client (CLIENT: registry-client.js),
//       logs in to the registry the way the client does and sends an RFC
//       9154 set-auth-info command whose <domain:pw> holds the placeholder,
//       with DIR/auth-info.hex (a pgcrypto pgp_pub_encrypt_bytea message) as
//       its auth_info, through the client's own decrypt-and-replace
//       (commandXml), the function its command loop calls for every claimed
//       command. Also shows that malformed commands are refused unsent.
//       Prints the EPP result, never the code.
// (NODE_PATH must find openpgp: the example's node_modules.)

'use strict';

const fs = require('fs');
const path = require('path');

// The command domxfer hands out for set_auth_info (SPEC §8, 0.3.0).
function setAuthInfoXml(pwText, nameText = 'reg-auth.net') {
	return `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <command>
    <update>
      <domain:update xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
        <domain:name>${nameText}</domain:name>
        <domain:chg>
          <domain:authInfo>
            <domain:pw>${pwText}</domain:pw>
          </domain:authInfo>
        </domain:chg>
      </domain:update>
    </update>
    <clTRID>domxfer-test-1</clTRID>
  </command>
</epp>
`;
}

// Makes the key pair.
async function keygen(dir) {
	const openpgp = require('openpgp');
	const { privateKey, publicKey } = await openpgp.generateKey({
		type: 'rsa', rsaBits: 2048, userIDs: [{ name: 'domxfer test EPP client', email: 'epp-client@example.net' }],
		passphrase: process.env.TEST_PGP_PASSPHRASE, format: 'armored',
	});
	fs.writeFileSync(path.join(dir, 'pgp-public.asc'), publicKey);
	fs.writeFileSync(path.join(dir, 'pgp-private.asc'), privateKey, { mode: 0o600 });
}

// Sends the command through the client's code.
async function send(dir, clientPath) {
	const client = require(path.resolve(clientPath));
	const config = client.readConfig([], process.env);
	const pgpKey = await client.loadPgpKey(config);
	const authInfo = Buffer.from(fs.readFileSync(path.join(dir, 'auth-info.hex'), 'utf8').trim(), 'hex');
	const placeholder = '@domxfer.auth_info@';
	const bad = [
		{ command_id: 'bad-1', xml: setAuthInfoXml(placeholder), auth_info: null },
		{ command_id: 'bad-2', xml: setAuthInfoXml('no placeholder'), auth_info: authInfo },
		{ command_id: 'bad-3', xml: setAuthInfoXml('x', placeholder), auth_info: authInfo },
	];
	for (const c of bad) {
		try {
			await client.commandXml(c, pgpKey);
			console.log(`${c.command_id}: not refused`);
		} catch (err) {
			console.log(`refused unsent: ${err.message}`);
		}
	}
	const waker = new client.Waker();
	const epp = await client.EppConnection.open(config, waker);
	try {
		const greeting = await client.login(epp, config);
		const xml = await client.commandXml({ command_id: 'test-1', op: 'set_auth_info', xml: setAuthInfoXml(placeholder), auth_info: authInfo }, pgpKey);
		const r = client.readResponse(await epp.exchange(xml));
		console.log(`set_auth_info sent: EPP ${r.code}`);
		await epp.exchange(client.eppCommand(greeting.eppNs, '<logout/>'));
	} finally {
		epp.close();
	}
}

const [mode, dir, clientPath] = process.argv.slice(2);
(mode === 'keygen' ? keygen(dir) : send(dir, clientPath)).catch((err) => {
	console.error(`auth-info: ${err.message}`);
	process.exit(1);
});
