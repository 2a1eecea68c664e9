/* Flame graphs in SVG (see flame_svg.h). The layout is computed here, so
 * the file shows its frames and labels with no script at all; the script
 * adds zoom, search and the details line, re-laying out from the
 * coordinates it finds in the file. Root on top, as pprof draws it. */
#include "flame_svg.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FLAME_WIDTH      1200.0
#define FLAME_PAD        10.0
#define FLAME_ROW        16.0
#define FLAME_TOP        56.0
#define FLAME_BOTTOM     34.0
#define FLAME_CHAR_WIDTH 7.0 /* 12px monospace, as the script assumes too */

/* One drawn frame: a frame of the tree, or an "other" standing for
 * several narrow siblings (source SIZE_MAX). */
struct flame_box {
	double x, width; /* in units of the tree's values (B's, A's scaled) */
	int64_t value, base;
	uint32_t depth;
	size_t source;
	size_t merged; /* frames an "other" stands for */
};

#define FLAME_NONE UINT32_MAX

struct flame_layout {
	const struct ep_report_tree *tree;
	double *width;         /* per frame */
	uint32_t *next;        /* next sibling, FLAME_NONE for none */
	uint32_t *first_child; /* FLAME_NONE for none */
	double threshold;
	struct flame_box *boxes;
	size_t box_count;
	size_t merged_total; /* frames hidden in "other" boxes */
	uint32_t max_depth;
};

static bool flame_present(const struct ep_report_frame *frame)
{
	return frame->value > 0;
}

static void flame_push(struct flame_layout *layout, struct flame_box box)
{
	layout->boxes[layout->box_count++] = box;
	if (box.depth > layout->max_depth)
		layout->max_depth = box.depth;
}

/* Lays out the children of frame parent from x, merging the narrow ones
 * into one "other" box at the end. */
static void flame_place_children(struct flame_layout *layout, size_t parent, double x)
{
	const struct ep_report_frame *frames = layout->tree->frames;
	size_t narrow = 0, last_narrow = SIZE_MAX;
	struct flame_box other = { .source = SIZE_MAX };
	for (size_t c = layout->first_child[parent]; c != FLAME_NONE; c = layout->next[c]) {
		if (layout->width[c] <= 0)
			continue;
		if (layout->width[c] < layout->threshold) {
			narrow++;
			last_narrow = c;
			other.width += layout->width[c];
			other.value += frames[c].value;
			other.base += frames[c].base;
			continue;
		}
		flame_push(layout, (struct flame_box){ x, layout->width[c], frames[c].value,
		                                       frames[c].base, frames[c].depth, c, 0 });
		flame_place_children(layout, c, x);
		x += layout->width[c];
	}
	if (narrow == 1) {
		size_t c = last_narrow;
		flame_push(layout, (struct flame_box){ x, layout->width[c], frames[c].value,
		                                       frames[c].base, frames[c].depth, c, 0 });
		flame_place_children(layout, c, x);
	} else if (narrow > 1) {
		other.x = x;
		other.depth = frames[parent].depth + 1;
		other.merged = narrow;
		layout->merged_total += narrow;
		flame_push(layout, other);
	}
}

static int flame_layout(struct flame_layout *layout, const struct ep_report_tree *tree,
                        const struct flame_svg_options *options)
{
	size_t n = tree->frame_count;
	memset(layout, 0, sizeof(*layout));
	layout->tree = tree;
	if (n >= FLAME_NONE)
		return -ENOMEM;
	uint32_t deepest = 0;
	for (size_t i = 0; i < n; i++)
		if (tree->frames[i].depth > deepest)
			deepest = tree->frames[i].depth;
	layout->width = calloc(n, sizeof(*layout->width));
	layout->next = malloc(n * sizeof(*layout->next));
	layout->first_child = malloc(n * sizeof(*layout->first_child));
	uint32_t *parent = malloc(n * sizeof(*parent));
	/* The path to the current frame and the last child seen at each depth. */
	uint32_t *open = malloc(((size_t)deepest + 1) * sizeof(*open));
	uint32_t *last_child = malloc(((size_t)deepest + 2) * sizeof(*last_child));
	double *extra = tree->has_base ? calloc(n, sizeof(*extra)) : NULL;
	int rc = -ENOMEM;
	if (layout->width == NULL || layout->next == NULL || layout->first_child == NULL ||
	    parent == NULL || open == NULL || last_child == NULL ||
	    (tree->has_base && extra == NULL))
		goto done;
	for (size_t i = 0; i < n; i++) {
		layout->next[i] = layout->first_child[i] = FLAME_NONE;
		uint32_t depth = tree->frames[i].depth;
		/* Pre-order: the parent is the latest frame one level up. */
		parent[i] = i == 0 || depth == 0 ? FLAME_NONE : open[depth - 1];
		open[depth] = (uint32_t)i;
		last_child[depth + 1] = FLAME_NONE; /* a new frame has no child yet */
		uint32_t p = parent[i];
		if (p == FLAME_NONE)
			continue;
		if (last_child[depth] == FLAME_NONE)
			layout->first_child[p] = (uint32_t)i;
		else
			layout->next[last_child[depth]] = (uint32_t)i;
		last_child[depth] = (uint32_t)i;
	}
	/* A differential graph is laid out on B, with A's vanished frames
	 * added at their (scaled) A width: width = B's value plus what the
	 * vanished frames beneath add, which keeps every frame at least as
	 * wide as its children. */
	double scale = 1.0;
	if (tree->has_base && options->normalize && tree->base_total != 0)
		scale = (double)tree->total / (double)tree->base_total;
	for (size_t k = n; k > 0; k--) {
		size_t i = k - 1;
		const struct ep_report_frame *f = &tree->frames[i];
		double own = flame_present(f) ? (double)f->value : 0.0;
		if (!tree->has_base) {
			layout->width[i] = own;
			continue;
		}
		if (flame_present(f))
			layout->width[i] = own + extra[i];
		else if (f->base > 0)
			layout->width[i] = (double)f->base * scale;
		if (parent[i] != FLAME_NONE)
			extra[parent[i]] += layout->width[i] - own;
	}
	layout->threshold = options->min_share * layout->width[0];
	/* At most a box per frame above the threshold (1 / min_share of
	 * them per depth) and an "other" per parent drawn. */
	layout->boxes = malloc(n * sizeof(*layout->boxes));
	if (layout->boxes == NULL)
		goto done;
	flame_push(layout, (struct flame_box){ 0, layout->width[0], tree->frames[0].value,
	                                       tree->frames[0].base, 0, 0, 0 });
	flame_place_children(layout, 0, 0);
	rc = 0;
done:
	free(parent);
	free(open);
	free(last_child);
	free(extra);
	return rc;
}

static void flame_layout_free(struct flame_layout *layout)
{
	free(layout->width);
	free(layout->next);
	free(layout->first_child);
	free(layout->boxes);
}

static const char *flame_box_name(const struct flame_layout *layout, const struct flame_box *box,
                                  char *buffer, size_t size)
{
	if (box->source != SIZE_MAX)
		return reporter_text(layout->tree->frames[box->source].name);
	snprintf(buffer, size, "other (%zu narrow frames)", box->merged);
	return buffer;
}

/* Writes at most chars code points of name, ending in ".." when cut. */
static void flame_label(FILE *stream, const char *name, size_t chars)
{
	size_t length = strlen(name), points = 0, cut = 0, at = 0;
	while (at < length) {
		uint32_t code_point;
		int used = reporter_utf8_decode((const unsigned char *)name + at, length - at,
		                                &code_point);
		at += used < 0 ? 1 : (size_t)used;
		points++;
		if (points == (chars >= 2 ? chars - 2 : 0))
			cut = at;
	}
	if (points <= chars) {
		reporter_xml_escape(stream, name);
		return;
	}
	char *copy = malloc(cut + 3);
	if (copy == NULL)
		return;
	memcpy(copy, name, cut);
	memcpy(copy + cut, "..", 3);
	reporter_xml_escape(stream, copy);
	free(copy);
}

static double flame_hash(const char *text, unsigned salt)
{
	uint32_t h = 2166136261u ^ salt;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 16777619u;
	h ^= h >> 15;
	return (double)(h % 1000) / 1000.0;
}

/* Writes the fill of box; returns true when it is dark enough to need
 * white text. */
static bool flame_colour(char *buffer, size_t size, const struct ep_report_tree *tree,
                         const struct flame_box *box, const char *name, double scale,
                         double max_change)
{
	if (box->source == SIZE_MAX && !tree->has_base) {
		snprintf(buffer, size, "rgb(190,190,190)");
		return false;
	}
	if (tree->has_base) {
		double change = (double)box->value - (double)box->base * scale;
		double ratio = max_change > 0 ? fabs(change) / max_change : 0;
		int fade = (int)lround(220.0 * (1.0 - (ratio > 1 ? 1 : ratio))) + 35;
		if (change > 0)
			snprintf(buffer, size, "rgb(255,%d,%d)", fade, fade);
		else if (change < 0)
			snprintf(buffer, size, "rgb(%d,%d,255)", fade, fade);
		else
			snprintf(buffer, size, "rgb(245,245,245)");
		return change != 0 && fade < 140;
	}
	double v1 = flame_hash(name, 1), v2 = flame_hash(name, 2);
	if (strcmp(reporter_text(tree->unit), EP_UNIT_BYTES) == 0) /* memory: greens */
		snprintf(buffer, size, "rgb(%d,%d,%d)", (int)(40 * v1), (int)(170 + 70 * v2),
		         (int)(60 + 90 * v1));
	else /* time: flamegraph.pl's warm colours */
		snprintf(buffer, size, "rgb(%d,%d,%d)", (int)(205 + 50 * v1), (int)(230 * v2),
		         (int)(55 * v1));
	return false;
}

static void flame_amount(FILE *stream, const struct reporter_host *host,
                         const struct ep_report_tree *tree, int64_t value, int64_t total)
{
	char text[REPORTER_NUMBER_MAX];
	struct ep_value v = { .type = EP_VALUE_INT, .integer = value };
	fputs(reporter_format_value(host, text, sizeof(text), v, tree->unit, "auto"), stream);
	double share = total != 0 ? 100.0 * (double)value / (double)total : 0.0;
	fprintf(stream, " (%.2f%%, %" PRId64 " %s)", share, value, reporter_text(tree->unit));
}

static void flame_tooltip(FILE *stream, const struct reporter_host *host,
                          const struct flame_layout *layout, const struct flame_box *box,
                          const char *name, const struct flame_svg_options *options)
{
	const struct ep_report_tree *tree = layout->tree;
	reporter_xml_escape(stream, name);
	fputc('\n', stream);
	if (!tree->has_base) {
		flame_amount(stream, host, tree, box->value, tree->total);
		return;
	}
	fprintf(stream, "%s: ", options->a_name ? options->a_name : "A");
	flame_amount(stream, host, tree, box->base, tree->base_total);
	fprintf(stream, "\n%s: ", options->b_name ? options->b_name : "B");
	flame_amount(stream, host, tree, box->value, tree->total);
	fputs("\nchange: ", stream);
	char text[REPORTER_NUMBER_MAX];
	int64_t change = (int64_t)((uint64_t)box->value - (uint64_t)box->base);
	struct ep_value v = { .type = EP_VALUE_INT, .integer = change };
	fputs(change > 0 ? "+" : "", stream);
	fputs(reporter_format_value(host, text, sizeof(text), v, tree->unit, "auto"), stream);
	if (box->base != 0)
		fprintf(stream, " (%+.1f%%)", 100.0 * (double)change / (double)box->base);
	else
		fputs(" (new)", stream);
	if (box->value <= 0 && box->base > 0)
		fputs(", vanished", stream);
}

/* The script: zoom, search, details. It finds every graph of the page by
 * its class, so several graphs inline in one HTML page each work alone. */
static const char flame_script[] =
        "(function(){\n"
        "function init(svg){\n"
        " if(svg.epFlame)return;svg.epFlame=true;\n"
        " var W=+svg.getAttribute('data-width'),P=+svg.getAttribute('data-pad');\n"
        " var fr=[].slice.call(svg.querySelectorAll('g.f')).map(function(g){\n"
        "  var r=g.querySelector('rect');\n"
        "  return "
        "{g:g,r:r,t:g.querySelector('text'),x:+r.getAttribute('x'),w:+r.getAttribute('width'),\n"
        "   "
        "y:+r.getAttribute('y'),fill:r.getAttribute('fill'),n:g.querySelector('title').textContent."
        "split('\\n')[0]};});\n"
        " var "
        "det=svg.querySelector('.ep-details'),mat=svg.querySelector('.ep-matched'),rst=svg."
        "querySelector('.ep-reset');\n"
        " function label(f,x,w){var c=Math.floor((w-6)/7);f.t.setAttribute('x',(x+3).toFixed(2));\n"
        "  f.t.textContent=c<3?'':(f.n.length<=c?f.n:f.n.slice(0,c-2)+'..');}\n"
        " function place(f,x,w,o){f.g.style.display='';f.r.setAttribute('x',x.toFixed(2));\n"
        "  f.r.setAttribute('width',Math.max(w,0).toFixed(2));f.g.style.opacity=o;label(f,x,w);}\n"
        " function zoom(g){var z=null;fr.forEach(function(f){if(f.g===g)z=f;});if(!z)return;\n"
        "  var s=(W-2*P)/z.w,e=1e-6*z.w+1e-9;\n"
        "  fr.forEach(function(f){\n"
        "   if(f.y>=z.y&&f.x>=z.x-e&&f.x+f.w<=z.x+z.w+e)place(f,P+(f.x-z.x)*s,f.w*s,1);\n"
        "   else if(f.y<z.y&&f.x<=z.x+e&&f.x+f.w>=z.x+z.w-e)place(f,P,W-2*P,0.5);\n"
        "   else f.g.style.display='none';});\n"
        "  rst.style.display='';svg.setAttribute('data-zoomed',z.n);}\n"
        " function reset(){fr.forEach(function(f){place(f,f.x,f.w,1);});rst.style.display='none';\n"
        "  svg.removeAttribute('data-zoomed');}\n"
        " function search(term){var re=null,hits=[],n=0;\n"
        "  if(term){try{re=new RegExp(term);}catch(x){re=new "
        "RegExp(term.replace(/[.*+?^${}()|[\\]\\\\]/g,'\\\\$&'));}}\n"
        "  fr.forEach(function(f){if(re&&re.test(f.n)){f.r.setAttribute('fill','rgb(230,0,230)');\n"
        "   f.g.classList.add('ep-hit');hits.push([f.x,f.x+f.w]);n++;}\n"
        "   else{f.r.setAttribute('fill',f.fill);f.g.classList.remove('ep-hit');}});\n"
        "  hits.sort(function(a,b){return a[0]-b[0];});var sum=0,end=-1;\n"
        "  hits.forEach(function(h){if(h[0]>=end){sum+=h[1]-h[0];end=h[1];}\n"
        "   else if(h[1]>end){sum+=h[1]-end;end=h[1];}});\n"
        "  var root=fr.length?fr[0].w:1;\n"
        "  mat.textContent=re?('Matched: '+n+' frames, '+(100*sum/root).toFixed(2)+'%'):'';\n"
        "  svg.setAttribute('data-matched',re?(100*sum/root).toFixed(2):'');return n;}\n"
        " svg.epZoom=zoom;svg.epReset=reset;svg.epSearch=search;\n"
        " svg.addEventListener('click',function(e){var t=e.target;\n"
        "  if(t.closest('.ep-reset')){reset();return;}\n"
        "  if(t.closest('.ep-search')){var q=window.prompt('Search frames (regular "
        "expression)','');\n"
        "   if(q!==null)search(q);return;}\n"
        "  var g=t.closest('g.f');if(g)zoom(g);});\n"
        " svg.addEventListener('mouseover',function(e){var g=e.target.closest('g.f');\n"
        "  if(g)det.textContent=g.querySelector('title').textContent.replace(/\\n/g,' | ');});\n"
        " svg.addEventListener('mouseout',function(){det.textContent=' ';});\n"
        "}\n"
        "[].forEach.call(document.querySelectorAll('svg.ep-flame'),init);\n"
        "})();\n";

int flame_svg_write(FILE *stream, const struct reporter_host *host,
                    const struct ep_report_tree *tree, const struct flame_svg_options *options)
{
	struct flame_layout layout;
	if (tree->frame_count == 0)
		return -EINVAL;
	int rc = flame_layout(&layout, tree, options);
	if (rc < 0) {
		flame_layout_free(&layout);
		return rc;
	}
	double root = layout.width[0] > 0 ? layout.width[0] : 1.0;
	double pixels = (FLAME_WIDTH - 2 * FLAME_PAD) / root;
	double height = FLAME_TOP + (layout.max_depth + 1) * FLAME_ROW + FLAME_BOTTOM;
	double scale = 1.0, max_change = 0;
	if (tree->has_base && options->normalize && tree->base_total != 0)
		scale = (double)tree->total / (double)tree->base_total;
	for (size_t i = 1; i < layout.box_count && tree->has_base; i++) {
		const struct flame_box *box = &layout.boxes[i];
		double change = fabs((double)box->value - (double)box->base * scale);
		if (change > max_change)
			max_change = change;
	}
	char x[32], w[32], tx[32], name_buffer[64], fill[64];

	if (!options->inline_html)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", stream);
	fprintf(stream,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ep-flame\" id=\"%s\" "
	        "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" data-width=\"%.0f\" "
	        "data-pad=\"%.0f\" data-frames=\"%zu\" data-merged=\"%zu\" data-total=\"%" PRId64
	        "\"%s>\n",
	        options->element_id ? options->element_id : "flame", FLAME_WIDTH, height,
	        FLAME_WIDTH, height, FLAME_WIDTH, FLAME_PAD, layout.box_count, layout.merged_total,
	        tree->total, tree->has_base ? " data-diff=\"true\"" : "");
	fputs("<style>.ep-flame text{font-family:monospace;font-size:12px;fill:#000}"
	      ".ep-flame g.f{cursor:pointer}.ep-flame g.f:hover rect{stroke:#000;stroke-width:0.5}"
	      ".ep-flame .ep-button{cursor:pointer;fill:#036}"
	      ".ep-flame .ep-vanished rect{stroke:#224;stroke-dasharray:3,2}</style>\n",
	      stream);
	fprintf(stream, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#fdfdf8\"/>\n",
	        FLAME_WIDTH, height);
	fprintf(stream,
	        "<text x=\"%.0f\" y=\"22\" text-anchor=\"middle\" "
	        "style=\"font-size:16px\">",
	        FLAME_WIDTH / 2);
	reporter_xml_escape(stream, reporter_text(tree->title));
	fputs("</text>\n", stream);
	fprintf(stream, "<text x=\"%.0f\" y=\"40\" text-anchor=\"middle\" style=\"fill:#555\">",
	        FLAME_WIDTH / 2);
	{
		char total[REPORTER_NUMBER_MAX];
		struct ep_value v = { .type = EP_VALUE_INT, .integer = tree->total };
		fprintf(stream, "%s, total %s", reporter_text(tree->sample_type),
		        reporter_format_value(host, total, sizeof(total), v, tree->unit, "auto"));
		if (tree->has_base) {
			v.integer = tree->base_total;
			fprintf(stream, " (%s: %s)%s", options->a_name ? options->a_name : "A",
			        reporter_format_value(host, total, sizeof(total), v, tree->unit,
			                              "auto"),
			        options->normalize ? ", normalized" : "");
		}
		if (layout.merged_total > 0)
			fprintf(stream, "; %zu frames narrower than %.3g%% merged into \"other\"",
			        layout.merged_total, options->min_share * 100);
	}
	fputs("</text>\n", stream);
	fprintf(stream,
	        "<text class=\"ep-button ep-reset\" x=\"%.0f\" y=\"22\" style=\"display:none\">"
	        "Reset zoom</text>\n"
	        "<text class=\"ep-button ep-search\" x=\"%.0f\" y=\"22\" text-anchor=\"end\">"
	        "Search</text>\n",
	        FLAME_PAD, FLAME_WIDTH - FLAME_PAD);
	for (size_t i = 0; i < layout.box_count; i++) {
		const struct flame_box *box = &layout.boxes[i];
		const char *name = flame_box_name(&layout, box, name_buffer, sizeof(name_buffer));
		double px = FLAME_PAD + box->x * pixels, pw = box->width * pixels;
		bool vanished = tree->has_base && box->value <= 0 && box->base > 0;
		bool dark = flame_colour(fill, sizeof(fill), tree, box, name, scale, max_change);
		fprintf(stream, "<g class=\"f%s\"><title>", vanished ? " ep-vanished" : "");
		flame_tooltip(stream, host, &layout, box, name, options);
		fprintf(stream,
		        "</title><rect x=\"%s\" y=\"%.0f\" width=\"%s\" height=\"%.0f\" "
		        "fill=\"%s\"/><text x=\"%s\" y=\"%.1f\"%s>",
		        reporter_format_fixed(x, sizeof(x), px, 2),
		        FLAME_TOP + box->depth * FLAME_ROW,
		        reporter_format_fixed(w, sizeof(w), pw, 2), FLAME_ROW - 1, fill,
		        reporter_format_fixed(tx, sizeof(tx), px + 3, 2),
		        FLAME_TOP + box->depth * FLAME_ROW + 11.5,
		        dark ? " style=\"fill:#fff\"" : "");
		double chars = floor((pw - 6) / FLAME_CHAR_WIDTH);
		if (chars >= 3)
			flame_label(stream, name, (size_t)chars);
		fputs("</text></g>\n", stream);
	}
	fprintf(stream,
	        "<text class=\"ep-details\" x=\"%.0f\" y=\"%.0f\"> </text>\n"
	        "<text class=\"ep-matched\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\"></text>\n",
	        FLAME_PAD, height - 12, FLAME_WIDTH - FLAME_PAD, height - 12);
	fputs("<script type=\"text/ecmascript\"><![CDATA[\n", stream);
	fputs(flame_script, stream);
	fputs("]]></script>\n</svg>\n", stream);
	flame_layout_free(&layout);
	return 0;
}

/* A frame name for a folded line: ';' separates frames and a newline ends
 * the line, so neither may appear inside one. */
static void flame_folded_name(FILE *stream, const char *name)
{
	const char *p = reporter_text(name);
	if (strpbrk(p, ";\n\r") == NULL) { /* nearly always: a file holds millions */
		fputs(p, stream);
		return;
	}
	for (; *p; p++)
		fputc(*p == ';' ? ':' : (*p == '\n' || *p == '\r') ? ' ' : *p, stream);
}

int flame_folded_write(FILE *stream, const struct ep_report_tree *tree)
{
	size_t n = tree->frame_count;
	if (n == 0)
		return 0;
	/* The path from the root, one frame per depth, and what each open
	 * frame's children have taken so far. */
	size_t *path = malloc((n + 1) * sizeof(*path));
	int64_t *child_value = calloc(n + 1, sizeof(*child_value));
	int64_t *child_base = calloc(n + 1, sizeof(*child_base));
	if (path == NULL || child_value == NULL || child_base == NULL) {
		free(path);
		free(child_value);
		free(child_base);
		return -ENOMEM;
	}
	size_t open = 0; /* frames on path */
	/* A frame's self value is known once its subtree ends; frames close
	 * deepest first when a frame of the same or a lower depth arrives. */
	for (size_t i = 0; i <= n; i++) {
		uint32_t depth = i < n ? tree->frames[i].depth : 0;
		while (open > 0 && (i == n || open > depth)) {
			size_t f = path[open - 1];
			int64_t self = tree->frames[f].value - child_value[open - 1];
			int64_t self_base = tree->frames[f].base - child_base[open - 1];
			if (self != 0 || (tree->has_base && self_base != 0)) {
				/* The root's own value is samples with an empty
				 * stack: pprof counts them in the total, so they get
				 * a line of their own. */
				if (open == 1)
					fputs("(no stack)", stream);
				for (size_t k = 1; k < open; k++) {
					if (k > 1)
						fputc(';', stream);
					flame_folded_name(stream, tree->frames[path[k]].name);
				}
				if (tree->has_base)
					fprintf(stream, " %" PRId64 " %" PRId64 "\n", self_base,
					        self);
				else
					fprintf(stream, " %" PRId64 "\n", self);
			}
			open--;
			if (open > 0) {
				child_value[open - 1] += tree->frames[f].value;
				child_base[open - 1] += tree->frames[f].base;
			}
		}
		if (i == n)
			break;
		if (depth > open) /* not pre-order: refuse rather than misattribute */
			break;
		path[open] = i;
		child_value[open] = 0;
		child_base[open] = 0;
		open++;
	}
	free(path);
	free(child_value);
	free(child_base);
	return 0;
}
