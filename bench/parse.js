'use strict';
// bench/parse.js: what bw-parse does for the benchmark's chat results,
// hand-written in plain node for comparison: each output line
// {"custom_id","response":{"status_code":200,"body":{chat.completion}}}
// becomes {"customId","status":"succeeded","text","usage":{...}}.
// Usage: node bench/parse.js <output.jsonl >results.jsonl

function map(r) {
	const b = r.response.body;
	const u = b.usage;
	return {
		customId: r.custom_id,
		status: 'succeeded',
		text: b.choices[0].message.content,
		usage: {
			inputTokens: u.prompt_tokens,
			outputTokens: u.completion_tokens,
			totalTokens: u.total_tokens,
		},
	};
}

require('./lines.js').run(map);
