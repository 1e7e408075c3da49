/*
 * catalog.c: the SDK's model catalogue (what a model name says about
 * reasoning, service tiers and efforts) and the endpoints.
 */
#include "map.h"

static const char *const endpoints[][2] = {
	[BW_CHAT] = { "chat", "/v1/chat/completions" },
	[BW_RESPONSES] = { "responses", "/v1/responses" },
	[BW_COMPLETIONS] = { "completions", "/v1/completions" },
	[BW_EMBEDDINGS] = { "embeddings", "/v1/embeddings" },
	[BW_IMAGES] = { "images", "/v1/images/generations" },
	[BW_IMAGE_EDITS] = { "image-edits", "/v1/images/edits" },
	[BW_MODERATIONS] = { "moderations", "/v1/moderations" },
};

int
bw_endpoint_parse(const char *s)
{
	for (int e = 0; e < (int)(sizeof endpoints / sizeof *endpoints); e++)
		if (!strcmp(s, endpoints[e][0]) || !strcmp(s, endpoints[e][1]))
			return e;
	return -1;
}

const char *
bw_endpoint_name(int e)
{
	return endpoints[e][0];
}

const char *
bw_endpoint_url(int e)
{
	return endpoints[e][1];
}

/* The SDK's image model entries (openaiImageModelEntries, its aliases,
   and resolveOpenAIImageModelEntry for the others): how many images
   one request makes at most, and whether the body asks for
   response_format b64_json (the models whose default is a URL). */
void
image_model(const char *id, int *per_call, int *b64)
{
	int gpt = !strncmp(id, "gpt-image-", 10);

	*b64 = !gpt && strncmp(id, "chatgpt-image-", 14);
	*per_call = gpt || !strcmp(id, "dall-e-2") ||
	    !strcmp(id, "chatgpt-image-latest") ? 10 : 1;
}

static int
digits(const char **p, int *v)
{
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return 0;
	*v = 0;
	while (*s >= '0' && *s <= '9' && *v < 100000)
		*v = *v * 10 + (*s++ - '0');
	*p = s;
	return 1;
}

/* A gpt-5 variant with known reasoning efforts: none, or
   (mini|nano|sol|luna|terra)(-YYYY-MM-DD)?, or YYYY-MM-DD. */
static int
date(const char *s)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return 0;
	return !s[10];
}

static int
standard_gpt5(const char *v)
{
	static const char *const names[] = { "mini", "nano", "sol", "luna",
		"terra", NULL };

	if (!v)
		return 1;
	for (const char *const *n = names; *n; n++) {
		size_t l = strlen(*n);
		if (!strncmp(v, *n, l) && (!v[l] || (v[l] == '-' && date(v + l + 1))))
			return 1;
	}
	return date(v);
}

/* The SDK's model catalog, by name: ^o(\d+)(-|$) and
   ^gpt-(\d+)(\.(\d+))?(-(.+))?$ */
static void
classify(struct bw_mapper *m, const char *id)
{
	const char *p = id;
	int major = 0, minor = -1, o = -1;
	const char *variant = NULL;
	int gpt = 0;

	if (p[0] == 'o' && p[1] >= '0' && p[1] <= '9') {
		p++;
		digits(&p, &o);
		if (*p != '-' && *p != 0)
			o = -1;
	}
	p = id;
	if (!strncmp(p, "gpt-", 4)) {
		p += 4;
		if (digits(&p, &major)) {
			gpt = 1;
			if (*p == '.') {
				p++;
				if (!digits(&p, &minor))
					gpt = 0;
			}
			if (gpt && *p == '-' && p[1])
				variant = p + 1;
			else if (gpt && *p)
				gpt = 0;
		}
	}
	int chatmodel = gpt && minor < 0 && variant &&
	    !strncmp(variant, "chat", 4);
	int nano = gpt && variant && !strncmp(variant, "nano", 4);
	m->reasoning = o >= 0 || (gpt && major >= 5 && !chatmodel);
	m->effort_none_sampling = gpt && major < 6 &&
	    (major > 5 || (major == 5 && minor >= 1));
	m->flex = o >= 3 || (gpt && major >= 5 && !chatmodel);
	m->priority = !strncmp(id, "gpt-4", 5) ||
	    (gpt && major >= 5 && !nano && !chatmodel) || o >= 3;
	m->gpt6 = gpt && major >= 6;
	m->tools_need_no_effort = gpt && major == 5 && minor >= 6;
	m->efforts = NULL;
	if (m->gpt6) {
		static const char *const e[] = { "low", "medium", "high",
			"xhigh", "max", NULL };
		m->efforts = e;
	} else if (gpt && major == 5 && standard_gpt5(variant)) {
		static const char *const e0[] = { "minimal", "low", "medium",
			"high", NULL };
		static const char *const e1[] = { "none", "low", "medium",
			"high", NULL };
		static const char *const e2[] = { "none", "low", "medium",
			"high", "xhigh", NULL };
		static const char *const e6[] = { "none", "low", "medium",
			"high", "xhigh", "max", NULL };
		m->efforts = minor <= 0 ? e0 : minor == 1 ? e1 : minor < 6 ?
		    e2 : e6;
	}
	m->search_preview = !strncmp(id, "gpt-4o-search-preview", 21) ||
	    !strncmp(id, "gpt-4o-mini-search-preview", 26);
}

void
bw_mapper_init(struct bw_mapper *m, const char *model, int endpoint,
    const char *defaults)
{
	memset(m, 0, sizeof *m);
	if (!strncmp(model, "openai/", 7))
		model += 7;
	if (!*model || strchr(model, '/') || strpbrk(model, " \t\n\r\""))
		bw_die(BW_EX_USAGE, "-m: not an OpenAI model name: %s",
		    bw_quote(model, strlen(model), 60));
	m->model = model;
	m->endpoint = endpoint;
	m->defaults_text = defaults;
	classify(m, model);
	m->defaults = bw_of(BW_NONE);
	if (defaults) {
		const char *why;
		size_t col;
		m->defaults = bw_read(&m->dflarena, defaults,
		    strlen(defaults), INT_MAX, &why, &col);
		if (!present(m->defaults))
			bw_die(BW_EX_USAGE, "-d: invalid JSON at column %zu: %s",
			    col, why);
		if ((m->defaults).kind != BW_OBJ)
			bw_die(BW_EX_USAGE, "-d: %s, not an object",
			    bw_kindname(m->defaults));
		if (endpoint == BW_EMBEDDINGS || endpoint == BW_MODERATIONS)
			bw_die(BW_EX_USAGE, "-d: the %s endpoint takes no "
			    "defaults", bw_endpoint_name(endpoint));
		if (present(bw_get(m->defaults, "customId")))
			bw_die(BW_EX_USAGE, "-d: customId cannot be a default");
		check_defaults(m);
	}
}

void
bw_mapper_free(struct bw_mapper *m)
{
	bw_arena_free(&m->arena);
	bw_arena_free(&m->dflarena);
	bw_strset_free(m->warned_set);
	m->warned_set = NULL;
	free(m->why);
	m->why = NULL;
	m->whycap = 0;
}
