// results.mjs: what the AI SDK reads from result bodies, for tests/0210-parse-sdk.t.
//
//   node tests/sdk/results.mjs DIR
//
// DIR is a folder where `npm install ai@7 @ai-sdk/openai@4` was run (see
// README beside this file).  Each line of results-in.jsonl,
// {"id","kind","body","model"?,"output"?,"fits"?}, is given to the SDK as
// the reply of a fake fetch: generateText() for kind chat, responses and
// completions (with every tool the body calls defined, taking any input,
// without execute), embed() for embeddings, generateImage() for images
// (model: openai.image(model ?? 'gpt-image-1'), maxRetries 0).  Writes
// results.jsonl beside this file, a line per case:
//
//   {"id","kind","text","finishReason","toolCalls":[{toolCallId,toolName,input}],
//    "usage":{inputTokens,outputTokens,totalTokens,reasoningTokens,cachedInputTokens},
//    "output"|"outputError"}
//   {"id","kind","embedding","usage":{tokens}}
//   {"id","kind","images":[{data,mediaType}],"usage":{inputTokens,outputTokens,totalTokens}}
//   {"id","kind","error":MESSAGE}       when the SDK throws
//
// A value the SDK leaves undefined is absent.  reasoningTokens is the
// SDK's usage.outputTokenDetails.reasoningTokens and cachedInputTokens its
// usage.inputTokenDetails.cacheReadTokens.  A case with "output", a bw
// request's output spec ({"type":"object","schema","name"?,"description"?},
// {"type":"array","element"}, {"type":"choice","options"} or
// {"type":"json"}), is read twice: once as above, and once more with generateText's
// output: Output.object({schema: jsonSchema(schema), name, description}),
// Output.array({element: jsonSchema(element)}), Output.choice({options})
// or Output.json(); "output" is then result.output, or "outputError" the
// error's "NAME: message" when generateText throws (the text does not
// parse, or does not fit the array or choice wrapper) or reading
// result.output throws (no output: the reply stopped for tool calls, or
// had no text and did not stop).  jsonSchema() validates nothing, so an
// object or element of the wrong shape is returned as it is: such cases
// carry "fits":false in results-in.jsonl (bw-parse refuses them as not
// matching the schema).  "fits" is not read here.  Not part of the
// build: make and the tests never run node.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv.length !== 3) {
	console.error('usage: node results.mjs DIR  (DIR holds node_modules/ai and node_modules/@ai-sdk/openai)');
	process.exit(2);
}
const dir = resolve(process.argv[2]);
const sdk = createRequire(join(dir, 'package.json'));
const load = (name) => import(pathToFileURL(sdk.resolve(name)).href);
const { generateText, generateImage, embed, jsonSchema, tool, Output } = await load('ai');
const { createOpenAI } = await load('@ai-sdk/openai');

globalThis.AI_SDK_LOG_WARNINGS = false;
globalThis.fetch = async (url) => {
	throw new Error(`results.mjs: no network (${url})`);
};

let reply = null;
const openai = createOpenAI({
	apiKey: 'sk-results',
	baseURL: 'http://results.invalid/v1',
	fetch: async () => new Response(JSON.stringify(reply),
		{ status: 200, headers: { 'content-type': 'application/json' } }),
});

function toolNames(body) {
	const names = new Set();
	for (const c of body.choices ?? [])
		for (const t of c.message?.tool_calls ?? [])
			names.add(t.function?.name);
	for (const o of body.output ?? [])
		if (o.type === 'function_call')
			names.add(o.name);
	return [...names];
}

/* generateText's output: for a bw output spec */
function outputOf(spec) {
	const named = { ...(spec.name != null ? { name: spec.name } : {}),
		...(spec.description != null ? { description: spec.description } : {}) };
	switch (spec.type) {
	case 'object': return Output.object({ schema: jsonSchema(spec.schema), ...named });
	case 'array': return Output.array({ element: jsonSchema(spec.element), ...named });
	case 'choice': return Output.choice({ options: spec.options, ...named });
	case 'json': return Output.json(named);
	}
	throw new Error(`results.mjs: unknown output type ${spec.type}`);
}

const out = [];
for (const line of readFileSync(join(here, 'results-in.jsonl'), 'utf8').split('\n')) {
	if (!line.trim())
		continue;
	const { id, kind, body, model: imageModel, output } = JSON.parse(line);
	reply = body;
	try {
		if (kind === 'embeddings') {
			const r = await embed({ model: openai.embedding('text-embedding-3-small'), value: 'x' });
			out.push({ id, kind, embedding: r.embedding, usage: { tokens: r.usage?.tokens } });
			continue;
		}
		if (kind === 'images') {
			const r = await generateImage({ model: openai.image(imageModel ?? 'gpt-image-1'),
				prompt: 'x', maxRetries: 0 });
			const u = r.usage;
			out.push({ id, kind, images: r.images.map((i) => ({ data: i.base64,
				mediaType: i.mediaType })), usage: { inputTokens: u?.inputTokens,
				outputTokens: u?.outputTokens, totalTokens: u?.totalTokens } });
			continue;
		}
		const model = kind === 'chat' ? openai.chat('gpt-4o-mini') :
		    kind === 'responses' ? openai.responses('gpt-4o-mini') :
		    openai.completion('gpt-3.5-turbo-instruct');
		const tools = Object.fromEntries(toolNames(body).map((n) =>
			[n, tool({ inputSchema: jsonSchema({}) })]));
		const options = { model, prompt: 'x',
			...(Object.keys(tools).length ? { tools } : {}) };
		const r = await generateText(options);
		const u = r.usage;
		const o = { id, kind, text: r.text, finishReason: r.finishReason,
			toolCalls: r.toolCalls.map((t) => ({ toolCallId: t.toolCallId,
				toolName: t.toolName, input: t.input })),
			usage: { inputTokens: u.inputTokens, outputTokens: u.outputTokens,
				totalTokens: u.totalTokens,
				reasoningTokens: u.outputTokenDetails?.reasoningTokens,
				cachedInputTokens: u.inputTokenDetails?.cacheReadTokens } };
		if (output) {
			try {
				o.output = (await generateText({ ...options,
					output: outputOf(output) })).output;
			} catch (e) {
				o.outputError = `${e.name}: ${e.message}`;
			}
		}
		out.push(o);
	} catch (e) {
		out.push({ id, kind, error: String(e?.message ?? e).split('\n')[0] });
	}
}
writeFileSync(join(here, 'results.jsonl'), out.map((o) => JSON.stringify(o) + '\n').join(''));
console.error(`results.mjs: ${out.length} cases written to tests/sdk/results.jsonl`);
