'use strict';
// bench/jsonl.js: what bw-jsonl -m MODEL does for the benchmark's requests
// (customId, system, prompt, maxOutputTokens, temperature; chat endpoint),
// hand-written in plain node for comparison: stdin to stdout, one JSON
// line each, read in 1 MiB chunks and split on newlines, written in ~1 MiB
// blocks.  Usage: node bench/jsonl.js [MODEL] <requests.jsonl >batch.jsonl
const fs = require('fs');

const model = process.argv[2] || 'gpt-4o-mini';
const url = '/v1/chat/completions';

function map(r) {
	const body = { model: model };
	if (r.maxOutputTokens !== undefined) body.max_tokens = r.maxOutputTokens;
	if (r.temperature !== undefined) body.temperature = r.temperature;
	const messages = [];
	if (r.system !== undefined) messages.push({ role: 'system', content: r.system });
	messages.push({ role: 'user', content: r.prompt });
	body.messages = messages;
	return { custom_id: r.customId, method: 'POST', url: url, body: body };
}

require('./lines.js').run(map);
