// capture.mjs: the request bodies the AI SDK sends for tests/sdk/requests.jsonl.
//
//   node tests/sdk/capture.mjs DIR
//
// DIR is a folder where `npm install ai@7 @ai-sdk/openai@4` was run (see
// README beside this file).  For each model and endpoint, every request
// (a generateText() call, less its customId) is given to the SDK with a
// fetch that keeps the body string the SDK would have posted and throws:
// nothing reaches the network, and the body is the SDK's own bytes.
// The global fetch throws too, so that a file the SDK would download
// makes it throw.  Writes, beside this file:
//
//   MODEL.ENDPOINT.jsonl    {"custom_id":ID,"body":BODY} a line
//   MODEL.ENDPOINT.refused  the ids the SDK throws on before sending
//
// and, for the embedding models and embeddings-requests.jsonl (embed()
// calls, one value each), MODEL.embeddings.jsonl and .refused; for the
// image models and images-requests.jsonl (generateImage() calls),
// MODEL.images.jsonl and .refused.
//
// A request the SDK sends but bw-jsonl refuses on purpose (man/bw.7,
// DIFFERENCES; deliberate() below) is in neither file.  Not part of the
// build: make and the tests never run node.

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv.length !== 3) {
	console.error('usage: node capture.mjs DIR  (DIR holds node_modules/ai and node_modules/@ai-sdk/openai)');
	process.exit(2);
}
const dir = resolve(process.argv[2]);
const sdk = createRequire(join(dir, 'package.json'));
const load = (name) => import(pathToFileURL(sdk.resolve(name)).href);
const { embed, generateImage, generateText, jsonSchema, Output, tool } = await load('ai');
const { createOpenAI } = await load('@ai-sdk/openai');
const version = (name) => JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;

const MODELS = ['gpt-4o-mini', 'gpt-5.5', 'o4-mini'];
const ENDPOINTS = { chat: '/chat/completions', responses: '/responses', completions: '/completions' };

globalThis.AI_SDK_LOG_WARNINGS = false;
globalThis.fetch = async (url) => {
	throw new Error(`capture.mjs: no network (${url})`);
};

class Sent extends Error {}
let sent = null;
const openai = createOpenAI({
	apiKey: 'sk-capture',
	baseURL: 'http://capture.invalid/v1',
	fetch: async (url, init) => {
		if (typeof init?.body !== 'string')
			throw new Error('capture.mjs: a body that is not a string');
		sent = { url: String(url), body: init.body };
		throw new Sent('captured');
	},
});

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o, k) => isObj(o) && Object.prototype.hasOwnProperty.call(o, k);

// The request as generateText() takes it: tools given as plain JSON
// Schema need the SDK's tool() and jsonSchema() wrappers; every other
// field is passed as it is.
function callOptions(req) {
	const { customId, ...args } = req;
	if (isObj(args.tools))
		args.tools = Object.fromEntries(Object.entries(args.tools).map(([name, def]) =>
			[name, isObj(def) ? tool({ ...def, ...(isObj(def.inputSchema) ?
				{ inputSchema: jsonSchema(def.inputSchema) } : {}) }) : def]));
	if (isObj(args.output))
		args.output = output(args.output);
	return args;
}

// bw's output field as the SDK's Output: {type, schema | element |
// options, name?, description?, minItems?, maxItems?}.
function output(o) {
	const { type, schema, element, options, ...rest } = o;
	switch (type) {
	case 'object': return Output.object({ ...rest, schema: jsonSchema(schema) });
	case 'array': return Output.array({ ...rest, element: jsonSchema(element) });
	case 'choice': return Output.choice({ ...rest, options });
	case 'json': return Output.json(rest);
	}
	throw new Error(`capture.mjs: output type ${type}`);
}

// Why bw-jsonl refuses a request the SDK sends (man/bw.7, DIFFERENCES),
// or null.  Files the SDK would download make it throw here (no
// network), so those are in .refused, refused by both.
const FIELDS = ['customId', 'prompt', 'messages', 'system', 'instructions',
	'allowSystemInMessages', 'maxOutputTokens', 'temperature', 'topP', 'topK',
	'presencePenalty', 'frequencyPenalty', 'stopSequences', 'seed', 'tools',
	'toolChoice', 'providerOptions', 'reasoning', 'output'];
const SAMPLING = ['temperature', 'topP', 'topK', 'presencePenalty', 'frequencyPenalty'];

function deliberate(req, endpoint) {
	for (const k of Object.keys(req))
		if (!FIELDS.includes(k))
			return `unknown field ${k}`;
	if (req.prompt != null && req.messages != null)
		return 'both prompt and messages';
	for (const k of SAMPLING)
		if (req[k] != null && typeof req[k] !== 'number')
			return `${k} is not a number`;
	const o = req.output;
	if (o != null && endpoint === 'completions')
		return 'structured output to completions (the SDK drops it)';
	if (isObj(o) && o.name != null && !/^[A-Za-z0-9_-]{1,64}$/.test(o.name))
		return 'an output name OpenAI does not take';
	if (isObj(o) && o.type === 'choice' && Array.isArray(o.options) && !o.options.length)
		return 'a choice of no options';
	const tc = req.toolChoice;	// completions: tools and toolChoice are dropped
	if (endpoint !== 'completions' && isObj(tc) && tc.type === 'tool' && !own(req.tools, tc.toolName))
		return 'toolChoice names a tool that is not in tools';
	const msgs = Array.isArray(req.prompt) ? req.prompt : Array.isArray(req.messages) ? req.messages : [];
	for (const m of msgs) {
		if (!isObj(m) || !Array.isArray(m.content))
			continue;
		for (const p of m.content) {
			if (!isObj(p))
				continue;
			if (endpoint === 'completions' && m.role === 'user' && (p.type === 'image' || p.type === 'file'))
				return 'an image or file part to completions';
			if (p.type === 'tool-result' && isObj(p.output) && p.output.type === 'content' &&
			    Array.isArray(p.output.value) &&
			    p.output.value.some((x) => !isObj(x) || x.type !== 'text' || typeof x.text !== 'string'))
				return 'tool result content that is not text';
			const po = isObj(p.providerOptions) ? p.providerOptions.openai : undefined;
			if (endpoint === 'responses' && m.role === 'assistant' &&
			    (own(po, 'itemId') || own(po, 'reasoningEncryptedContent')))
				return 'an assistant part referring to a stored item';
		}
	}
	return null;
}

const left = [];
// Gives each request (less its customId) to send(request, model) for the
// model: the body posted goes to MODEL.NAME.jsonl, unless why(request)
// says bw-jsonl refuses it on purpose; the ids the SDK throws on before
// posting go to MODEL.NAME.refused.
async function capture(m, name, model, reqs, path, send, why) {
	let jsonl = '', refused = '';
	for (const req of reqs) {
		const id = req.customId;
		sent = null;
		let error = null;
		try {
			await send(req, model);
		} catch (x) {
			error = x;
		}
		if (sent === null) {
			if (error === null)
				throw new Error(`${id}: neither sent nor refused`);
			refused += id + '\n';
			continue;
		}
		if (!sent.url.endsWith(path))
			throw new Error(`${id}: sent to ${sent.url}`);
		const w = why(req);
		if (w !== null) {
			left.push(`${m} ${name} ${id}: ${w}`);
			continue;
		}
		jsonl += '{"custom_id":' + JSON.stringify(id) + ',"body":' + sent.body + '}\n';
	}
	writeFileSync(join(here, `${m}.${name}.jsonl`), jsonl);
	writeFileSync(join(here, `${m}.${name}.refused`), refused);
}
const without = ({ customId, ...args }) => args;

const requests = readFileSync(join(here, 'requests.jsonl'), 'utf8')
	.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
for (const m of MODELS)
	for (const [e, path] of Object.entries(ENDPOINTS))
		await capture(m, e, e === 'chat' ? openai.chat(m) : e === 'responses' ?
		    openai.responses(m) : openai.completion(m), requests, path,
		    (req, model) => generateText({ ...callOptions(req), model, maxRetries: 0 }),
		    (req) => deliberate(req, e));
// Embeddings: bw's request {customId?, value, providerOptions?} is an
// embed() call; why bw-jsonl refuses one the SDK sends, or null.
const EMBED_MODELS = ['text-embedding-3-small', 'text-embedding-3-large'];
const EMBED_FIELDS = ['customId', 'value', 'providerOptions'];

function deliberateEmbedding(req) {
	for (const k of Object.keys(req))
		if (!EMBED_FIELDS.includes(k))
			return `unknown field ${k}`;
	if (req.value == null)
		return 'no value';
	if (typeof req.value !== 'string')
		return 'a value that is not a string';
	if (req.value === '')
		return 'an empty value (the API takes none)';
	if (req.providerOptions != null && !isObj(req.providerOptions))
		return 'providerOptions that is not an object';
	const d = isObj(req.providerOptions) && isObj(req.providerOptions.openai) ?
		req.providerOptions.openai.dimensions : undefined;
	if (d !== undefined && !(Number.isInteger(d) && d > 0))
		return 'dimensions that are not a positive integer';
	return null;
}

const embedRequests = readFileSync(join(here, 'embeddings-requests.jsonl'), 'utf8')
	.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
for (const m of EMBED_MODELS)
	await capture(m, 'embeddings', openai.embedding(m), embedRequests, '/embeddings',
	    (req, model) => embed({ ...without(req), model, maxRetries: 0 }),
	    deliberateEmbedding);

// Images: bw's request {customId?, prompt, n?, size?, aspectRatio?,
// seed?, providerOptions?} is a generateImage() call; why bw-jsonl
// refuses one the SDK sends, or null.  perCall is the model's
// maxImagesPerCall: generateImage splits a larger n over several
// calls, and a batch line is one.
const IMAGE_MODELS = ['gpt-image-1', 'dall-e-3', 'dall-e-2'];
const IMAGE_FIELDS = ['customId', 'prompt', 'n', 'size', 'aspectRatio', 'seed', 'providerOptions'];

function deliberateImage(req, perCall) {
	for (const k of Object.keys(req))
		if (!IMAGE_FIELDS.includes(k))
			return `unknown field ${k}`;
	if (req.prompt === '')
		return 'an empty prompt';
	if (req.n !== undefined && !(Number.isInteger(req.n) && req.n > 0))
		return 'n that is not a positive integer';
	if (req.n > perCall)
		return `n past the ${perCall} images of one call`;
	if (req.size !== undefined && req.size !== null && typeof req.size !== 'string')
		return 'a size that is not a string';
	if (req.providerOptions != null && !isObj(req.providerOptions))
		return 'providerOptions that is not an object';
	return null;
}

const imageRequests = readFileSync(join(here, 'images-requests.jsonl'), 'utf8')
	.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
for (const m of IMAGE_MODELS) {
	const model = openai.image(m);
	await capture(m, 'images', model, imageRequests, '/images/generations',
	    (req, model) => generateImage({ ...without(req), model, maxRetries: 0 }),
	    (req) => deliberateImage(req, model.maxImagesPerCall));
}

console.error(`capture.mjs: ai ${version('ai')}, @ai-sdk/openai ${version('@ai-sdk/openai')}, ` +
	`node ${process.version}: ${requests.length} requests, ${embedRequests.length} embedding requests, ${imageRequests.length} image requests; left out as bw refuses them on purpose:`);
for (const l of left)
	console.error('  ' + l);
