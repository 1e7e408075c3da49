'use strict';
// bench/parse.js: what bw-parse does for the benchmark's chat results,
// hand-written in plain node for comparison: each output line
// {"custom_id","response":{"status_code":200,"body":{chat.completion}}}
// becomes {"customId","status":"succeeded","text","finishReason","usage":{...}}.
// Usage: node bench/parse.js <output.jsonl >results.jsonl

const FINISH = { stop: 'stop', length: 'length',
	content_filter: 'content-filter', tool_calls: 'tool-calls' };

function map(r) {
	const b = r.response.body;
	const u = b.usage;
	return {
		customId: r.custom_id,
		status: 'succeeded',
		text: b.choices[0].message.content,
		finishReason: FINISH[b.choices[0].finish_reason] || 'other',
		usage: {
			inputTokens: u.prompt_tokens,
			outputTokens: u.completion_tokens,
			totalTokens: u.total_tokens,
			reasoningTokens: u.completion_tokens_details.reasoning_tokens,
			cachedInputTokens: u.prompt_tokens_details.cached_tokens,
		},
	};
}

require('./lines.js').run(map);
