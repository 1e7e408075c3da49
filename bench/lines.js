'use strict';
// bench/lines.js: the line loop the node comparison scripts share: read
// standard input line by line with readline, JSON.parse each non-blank
// line, map it, JSON.stringify the result, and write the lines in ~1 MiB
// blocks with blocking writes.  (readline measured as fast as splitting
// 1 MiB Buffer chunks by hand, and faster than splitting decoded strings.)
const fs = require('fs');
const readline = require('readline');

function writeAll(s) {
	const buf = Buffer.from(s, 'utf8');
	let off = 0;
	while (off < buf.length) {
		try {
			off += fs.writeSync(1, buf, off, buf.length - off);
		} catch (e) {
			if (e.code !== 'EAGAIN') throw e;
		}
	}
}

exports.run = function (map) {
	const input = fs.createReadStream(null, { fd: 0, highWaterMark: 1 << 20 });
	const rl = readline.createInterface({ input: input, crlfDelay: Infinity });
	let out = [];
	let size = 0;
	let n = 0;
	rl.on('line', (s) => {
		n++;
		if (s.length === 0) return;
		let v;
		try {
			v = JSON.parse(s);
		} catch (e) {
			process.stderr.write('line ' + n + ': ' + e.message + '\n');
			process.exit(65);
		}
		const o = JSON.stringify(map(v));
		out.push(o);
		size += o.length + 1;
		if (size >= 1 << 20) {
			out.push('');
			writeAll(out.join('\n'));
			out = [];
			size = 0;
		}
	});
	rl.on('close', () => {
		if (out.length) {
			out.push('');
			writeAll(out.join('\n'));
		}
	});
};
