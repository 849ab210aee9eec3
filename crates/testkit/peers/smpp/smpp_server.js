// A small SMSC for the delivery tests, on npm `smpp` (see package.json).
//
//   node smpp_server.js PORT RECORD_FILE SYSTEM_ID PASSWORD
//
// Listens on 127.0.0.1:PORT (0 = any free port) and prints `listening PORT` once ready.
// Accepts bind_transceiver with SYSTEM_ID/PASSWORD only; answers enquire_link; acknowledges
// every submit_sm with a message id, appends it to RECORD_FILE as one JSON line (hex of
// short_message, data_coding, esm_class, addresses) and, when a receipt was asked for,
// sends a deliver_sm receipt (receipted_message_id, message_state and the receipt text).
//
// Destinations choose the answer, so tests can see every outcome:
//   ...0000  ESME_RINVDSTADR (permanent)     ...0001  ESME_RTHROTTLED (retry)
//   ...0002  accepted, receipt stat:UNDELIV  anything else: accepted, stat:DELIVRD
'use strict';

const fs = require('fs');
const smpp = require('smpp');

const [port, recordFile, systemId, password] = process.argv.slice(2);
if (!recordFile || !systemId) {
	console.error('usage: node smpp_server.js PORT RECORD_FILE SYSTEM_ID PASSWORD');
	process.exit(2);
}

// Keep short_message as the raw bytes that came over the wire.
smpp.filters.message.decode = (value) => value;

// Message ids differ between runs of this script, so a restart cannot reuse one.
const runId = process.pid.toString(16);
let counter = 0;

const server = smpp.createServer({ debug: false }, (session) => {
	session.on('error', () => session.close());
	session.on('bind_transceiver', (pdu) => {
		if (pdu.system_id !== systemId || pdu.password !== (password || '')) {
			session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
			session.close();
			return;
		}
		session.send(pdu.response({ system_id: 'testsmsc' }));
	});
	session.on('enquire_link', (pdu) => session.send(pdu.response()));
	session.on('unbind', (pdu) => {
		session.send(pdu.response());
		session.close();
	});
	session.on('submit_sm', (pdu) => {
		const to = String(pdu.destination_addr);
		if (to.endsWith('0000')) {
			session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
			return;
		}
		if (to.endsWith('0001')) {
			session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
			return;
		}
		counter += 1;
		const messageId = `${runId}-${counter}`;
		const shortMessage = Buffer.isBuffer(pdu.short_message) ? pdu.short_message : Buffer.alloc(0);
		const record = {
			message_id: messageId,
			source_addr: pdu.source_addr,
			source_addr_ton: pdu.source_addr_ton,
			destination_addr: to,
			dest_addr_ton: pdu.dest_addr_ton,
			esm_class: pdu.esm_class,
			data_coding: pdu.data_coding,
			registered_delivery: pdu.registered_delivery,
			short_message_hex: shortMessage.toString('hex'),
		};
		fs.appendFileSync(recordFile, JSON.stringify(record) + '\n');
		session.send(pdu.response({ message_id: messageId }));
		if ((pdu.registered_delivery & 0x03) === 0) {
			return;
		}
		const undelivered = to.endsWith('0002');
		const stat = undelivered ? 'UNDELIV' : 'DELIVRD';
		const now = new Date().toISOString().replace(/[-T:]/g, '').slice(2, 12);
		const text = `id:${messageId} sub:001 dlvrd:${undelivered ? '000' : '001'} submit date:${now} done date:${now} stat:${stat} err:000 text:`;
		setTimeout(() => {
			session.deliver_sm({
				source_addr: to,
				destination_addr: String(pdu.source_addr),
				esm_class: 0x04,
				data_coding: 0,
				short_message: Buffer.from(text, 'ascii'),
				receipted_message_id: messageId,
				message_state: undelivered ? 5 : 2,
			});
		}, 20);
	});
});

server.listen(Number(port), '127.0.0.1', () => {
	console.log(`listening ${server.address().port}`);
});

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
