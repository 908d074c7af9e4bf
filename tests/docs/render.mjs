// Renders docs/*.md as a reader sees them on a GitHub-like page, in a real browser, and checks
// what that reader would see:
//   - every Mermaid block renders (Mermaid 11, as GitHub draws it, fitted to the page's column);
//   - no text of a diagram falls outside the diagram's drawing area (the SVG clips it), no note's
//     text runs out of its box, and no diagram is shrunk so much that its text is unreadable;
//   - no gantt task has zero width, and no section label of a gantt chart lies under a bar;
//   - no table or code block is wider than the column, no line of code is over 100 columns;
//   - every relative link points to a file of the repository, every #L anchor to a line of it,
//     every other anchor to a heading or an <a id> of the page it names.
// Each fault is one line `docs/PAGE.md:LINE: what is wrong`; the exit status is 1 if there is any.
//
//   node tests/docs/render.mjs [--screenshots DIR] [--html DIR] [--expect FILE] [PAGE.md...]
//
// --expect FILE      checks the test itself: passes when the faults found are exactly those
//                    FILE lists, one regular expression per line (tests/docs/faults.expected)
// --screenshots DIR  writes a PNG of every diagram and table, at a 1280 px wide window
// --html DIR         writes each page as HTML with its diagrams drawn, to open in any browser
// The browser is Debian's chromium, named in puppeteer-config.json beside this file; Mermaid and
// the other packages come from node_modules here (`npm ci`, which scripts/setup.sh runs).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const started = Date.now();

// The page as GitHub lays it out in a 1280 px window: a column of 890 px for the content.
const windowWidth = 1280;
const columnWidth = 890;
// Mermaid draws a diagram at its natural size and shrinks it to the column when it is wider.
// A diagram shrunk so that some of its text is below this size (in CSS pixels) is hard to read.
const smallestReadableText = 11;
const longestCodeLine = 100;

function usage() {
    console.error("usage: node tests/docs/render.mjs [--screenshots DIR] [--html DIR] [--expect FILE] [PAGE.md...]");
    process.exit(2);
}

const options = { screenshots: null, html: null, expect: null, pages: [] };
for (let i = 2; i < process.argv.length; i++) {
    const arg = process.argv[i];
    if (arg === "--screenshots" || arg === "--html" || arg === "--expect") {
        if (i + 1 >= process.argv.length) usage();
        options[arg.slice(2)] = path.resolve(process.argv[++i]);
    } else if (arg.startsWith("-")) {
        usage();
    } else {
        options.pages.push(path.resolve(arg));
    }
}
if (options.pages.length === 0) {
    const docs = path.join(root, "docs");
    options.pages = fs.readdirSync(docs).filter((f) => f.endsWith(".md")).sort()
        .map((f) => path.join(docs, f));
}

function fatal(message) {
    console.error(`docs render test: ${message}`);
    process.exit(1);
}
for (const page of options.pages)
    if (!fs.existsSync(page)) fatal(`no page ${page}`);

// The packages are loaded here rather than imported at the top, so that a missing install says
// what to do instead of printing a module-resolution stack trace.
async function load(name) {
    try {
        return (await import(name)).default;
    } catch (e) {
        fatal(`cannot load ${name} from tests/docs/node_modules (run scripts/setup.sh): ${e.message}`);
    }
}
const MarkdownIt = await load("markdown-it");
const GithubSlugger = await load("github-slugger");
const puppeteer = await load("puppeteer-core");
const modules = path.join(here, "node_modules");
const mermaidScript = path.join(modules, "mermaid/dist/mermaid.min.js");
const githubCss = path.join(modules, "github-markdown-css/github-markdown-light.css");

const browserConfig = JSON.parse(fs.readFileSync(path.join(here, "puppeteer-config.json"), "utf8"));
if (!fs.existsSync(browserConfig.executablePath))
    fatal(`no browser at ${browserConfig.executablePath} (run scripts/setup.sh, which installs chromium)`);

const faults = [];
const relative = (file) => path.relative(root, file);
function fault(file, line, message) {
    faults.push(`${relative(file)}:${line}: ${message}`);
}

// ---- Markdown: what the page contains ----------------------------------------------------------

const markdown = new MarkdownIt({ html: true, linkify: true });

function textOf(inline) {
    return (inline.children || [])
        .filter((t) => t.type === "text" || t.type === "code_inline")
        .map((t) => t.content).join("");
}

// The anchors a page offers: its headings, named as GitHub names them, and its <a id="...">.
const anchorCache = new Map();
function anchorsOf(file) {
    if (!anchorCache.has(file)) {
        const tokens = markdown.parse(fs.readFileSync(file, "utf8"), {});
        const slugger = new GithubSlugger();
        const anchors = new Set();
        tokens.forEach((t, i) => {
            if (t.type === "heading_open") anchors.add(slugger.slug(textOf(tokens[i + 1])));
            for (const source of [t.content || ""].concat((t.children || []).map((c) => c.content)))
                for (const m of source.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
        });
        anchorCache.set(file, anchors);
    }
    return anchorCache.get(file);
}

// Files git ignores (build/, node_modules/) exist here but not in the repository a reader sees.
function ignoredByGit(files) {
    if (files.length === 0) return new Set();
    const run = spawnSync("git", ["check-ignore", "--stdin"], { cwd: root, input: files.join("\n") });
    return new Set(run.stdout.toString().split("\n").filter(Boolean).map((f) => path.resolve(root, f)));
}

function lineCount(file) {
    const text = fs.readFileSync(file, "utf8");
    return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

// Collects a page's links with their lines, its Mermaid blocks, and its over-long code lines;
// returns the page's HTML with each block and table tagged with its line.
function readPage(file) {
    const source = fs.readFileSync(file, "utf8");
    const tokens = markdown.parse(source, {});
    const links = [];
    const diagrams = [];
    let line = 1;
    const slugger = new GithubSlugger();
    tokens.forEach((t, i) => {
        if (t.map) line = t.map[0] + 1;
        if (t.map) t.attrSet("data-line", String(line));
        if (t.type === "heading_open") t.attrSet("id", slugger.slug(textOf(tokens[i + 1])));
        let at = line; // a paragraph's line breaks move a link to a later line
        for (const child of t.children || []) {
            if (child.type === "softbreak" || child.type === "hardbreak") at++;
            if (child.type === "link_open") links.push({ href: child.attrGet("href"), line: at });
            if (child.type === "html_inline")
                for (const m of child.content.matchAll(/\bhref="([^"]+)"/g)) links.push({ href: m[1], line: at });
        }
        if (t.type === "html_block")
            for (const m of t.content.matchAll(/\bhref="([^"]+)"/g)) links.push({ href: m[1], line });
        // A diagram's source is not what the reader sees: the checks below measure its drawing.
        if ((t.type === "fence" && t.info.trim() !== "mermaid") || t.type === "code_block") {
            const first = t.type === "fence" ? line + 1 : line;
            t.content.replace(/\n$/, "").split("\n").forEach((text, k) => {
                const columns = [...text].length;
                if (columns > longestCodeLine)
                    fault(file, first + k, `code line of ${columns} columns (at most ${longestCodeLine})`);
            });
        }
        if (t.type === "fence" && t.info.trim() === "mermaid")
            diagrams.push({ line, code: t.content, index: diagrams.length });
    });
    const renderer = markdown.renderer;
    const defaultFence = renderer.rules.fence;
    renderer.rules.fence = (tokens, i, ...rest) => {
        const t = tokens[i];
        if (t.info.trim() !== "mermaid") return defaultFence(tokens, i, ...rest);
        return `<div class="mermaid-block" data-line="${t.attrGet("data-line")}"></div>\n`;
    };
    const html = renderer.render(tokens, markdown.options, {});
    renderer.rules.fence = defaultFence;
    return { file, source, links, diagrams, html };
}

function checkLinks(page, ignored) {
    for (const { href, line } of page.links) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//")) continue; // http:, mailto:
        const [target, anchor] = href.split("#", 2);
        const file = target ? path.resolve(path.dirname(page.file), decodeURIComponent(target)) : page.file;
        if (!file.startsWith(root + path.sep) && file !== root) {
            fault(page.file, line, `link ${href} leaves the repository`);
            continue;
        }
        if (!fs.existsSync(file) || ignored.has(file)) {
            fault(page.file, line, `link ${href}: no file ${relative(file)} in the repository`);
            continue;
        }
        if (anchor === undefined || anchor === "") continue;
        const lines = /^L(\d+)(?:-L(\d+))?$/.exec(anchor);
        if (lines) {
            const last = Math.max(Number(lines[1]), Number(lines[2] || 0));
            const count = fs.statSync(file).isFile() ? lineCount(file) : 0;
            if (Number(lines[1]) < 1 || last > count)
                fault(page.file, line, `link ${href}: ${relative(file)} has ${count} lines`);
        } else if (file.endsWith(".md")) {
            if (!anchorsOf(file).has(decodeURIComponent(anchor)))
                fault(page.file, line, `link ${href}: no heading or anchor #${anchor} in ${relative(file)}`);
        } else {
            fault(page.file, line, `link ${href}: #${anchor} is neither a line (#L12) nor in a Markdown page`);
        }
    }
}

// The line of a diagram's source that holds a piece of its text, for the fault's location. A
// gantt task without an id of its own is called taskN by Mermaid (its rect DIAGRAM-taskN), N
// counting the tasks from 1.
function lineOfText(page, diagram, text, task) {
    const lines = diagram.code.split("\n");
    const counted = /(?:^|-)task(\d+)$/.exec(task || "");
    if (counted) {
        const keyword = /^\s*(gantt|title|dateFormat|axisFormat|tickInterval|todayMarker|excludes|includes|weekday|section|displayMode|inclusiveEndDates|topAxis|accTitle|accDescr|%%)\b/;
        const start = lines.findIndex((l) => /^\s*gantt\s*$/.test(l)); // after any front matter
        const tasks = lines.map((l, k) => ({ l, k }))
            .filter(({ l, k }) => k > start && l.includes(":") && !keyword.test(l));
        const found = tasks[Number(counted[1]) - 1];
        if (found) return diagram.line + 1 + found.k;
    }
    const probes = [text.trim(), text.trim().slice(0, 24), text.trim().split(/\s+/).slice(0, 3).join(" ")];
    for (const probe of probes) {
        if (!probe) continue;
        const k = lines.findIndex((l) => l.includes(probe));
        if (k >= 0) return diagram.line + 1 + k;
    }
    return diagram.line;
}

// ---- The browser: what the reader sees ---------------------------------------------------------

const pageTemplate = (title, body, css) => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>${css}
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: content-box; width: ${columnWidth}px; margin: 0 auto; padding: 32px 45px; }
.mermaid-block { margin-bottom: 16px; }
.mermaid-block svg { display: block; margin: 0 auto; }
</style></head>
<body><article class="markdown-body">
${body}
</article></body></html>
`;

// Runs in the page: draws every diagram into its block, then measures what the reader sees.
async function drawAndMeasure(diagrams, smallest) {
    const pad = 1; // a pixel of anti-aliasing either way is not a fault
    mermaid.initialize({ startOnLoad: false, theme: "default", securityLevel: "strict" });
    const blocks = [...document.querySelectorAll(".mermaid-block")];
    const results = [];
    for (const d of diagrams) {
        const block = blocks[d.index];
        const result = { index: d.index, problems: [] };
        results.push(result);
        try {
            // Drawn inside its block, so that a chart that takes the width it is given (a gantt
            // chart) gets the column's width, as in GitHub's frame for a diagram.
            const { svg } = await mermaid.render(`diagram-${d.index}`, d.code, block);
            block.innerHTML = svg;
        } catch (e) {
            result.problems.push({ message: `the diagram does not render: ${String(e.message || e).split("\n")[0]}` });
            continue;
        }
        const svg = block.querySelector("svg");
        const area = svg.getBoundingClientRect();
        const box = svg.viewBox.baseVal;
        const scale = box && box.width ? area.width / box.width : 1;
        const label = (el) => (el.textContent || "").replace(/\s+/g, " ").trim();
        const texts = [...svg.querySelectorAll("text")].filter((t) => label(t) !== "");
        for (const t of texts) {
            const r = t.getBoundingClientRect();
            const out = [];
            if (r.left < area.left - pad) out.push(`${Math.round(area.left - r.left)} px past the left edge`);
            if (r.right > area.right + pad) out.push(`${Math.round(r.right - area.right)} px past the right edge`);
            if (r.top < area.top - pad) out.push(`${Math.round(area.top - r.top)} px above the top`);
            if (r.bottom > area.bottom + pad) out.push(`${Math.round(r.bottom - area.bottom)} px below the bottom`);
            if (out.length)
                result.problems.push({ text: label(t), message: `text "${label(t)}" is cut off: ${out.join(", ")} of the diagram` });
        }
        // A sequence diagram's note: its text must fit in its box.
        for (const rect of svg.querySelectorAll("rect.note")) {
            const box = rect.getBoundingClientRect();
            for (const t of rect.parentNode.querySelectorAll("text.noteText")) {
                const r = t.getBoundingClientRect();
                // Mermaid sizes a note's box to its text, give or take a pixel.
                if (r.left < box.left - 2 * pad || r.right > box.right + 2 * pad)
                    result.problems.push({ text: label(t), message: `note text "${label(t)}" is ${Math.round(r.width)} px wide in a box of ${Math.round(box.width)} px` });
            }
        }
        // Text shrunk below a readable size when the diagram is fitted to the column.
        let tiny = null;
        for (const t of texts) {
            const size = parseFloat(getComputedStyle(t).fontSize) * scale;
            if (size < smallest && (!tiny || size < tiny.size)) tiny = { size, text: label(t) };
        }
        if (tiny && scale < 0.98)
            result.problems.push({ message: `the diagram is ${Math.round(box.width)} px wide, shrunk to ${Math.round(area.width)} px to fit the column: its text is ${tiny.size.toFixed(1)} px high (at least ${smallest} px is readable)` });
        // Gantt charts: every step is a bar you can see, and no bar covers a section's label.
        const bars = [...svg.querySelectorAll("rect.task")];
        for (const bar of bars) {
            const name = label(svg.getElementById(`${bar.id}-text`) || bar);
            // A rect of width 0 is not drawn at all; a narrow one still shows its outline.
            if (!(bar.width.baseVal.value > 0))
                result.problems.push({ task: bar.id, text: name, message: `gantt task "${name}" has zero width (an instant step is a milestone)` });
        }
        for (const title of svg.querySelectorAll("text.sectionTitle")) {
            const r = title.getBoundingClientRect();
            for (const bar of bars) {
                const b = bar.getBoundingClientRect();
                if (b.width > 0 && b.left < r.right - pad && b.right > r.left + pad && b.top < r.bottom - pad && b.bottom > r.top + pad) {
                    result.problems.push({ text: label(title), message: `section label "${label(title)}" lies under the bar "${label(svg.getElementById(`${bar.id}-text`) || bar)}"` });
                    break;
                }
            }
        }
    }
    // Tables and code blocks wider than the column make the reader scroll sideways.
    const wide = [];
    for (const el of document.querySelectorAll(".markdown-body table, .markdown-body pre")) {
        const tagged = el.dataset.line ? el : el.querySelector("[data-line]");
        if (el.scrollWidth > el.clientWidth + pad)
            wide.push({ line: Number(tagged?.dataset.line || 0), message: `${el.tagName === "TABLE" ? "table" : "code block"} is ${el.scrollWidth} px wide in the ${el.clientWidth} px column` });
    }
    return { results, wide };
}

const browser = await puppeteer.launch({
    executablePath: browserConfig.executablePath,
    args: browserConfig.args || [],
    headless: true,
});
let diagramCount = 0;
let linkCount = 0;
try {
    const css = fs.readFileSync(githubCss, "utf8");
    const pages = options.pages.map(readPage);
    const ignored = ignoredByGit([...new Set(pages.flatMap((p) => p.links
        .filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l.href) && !l.href.startsWith("#"))
        .map((l) => path.resolve(path.dirname(p.file), decodeURIComponent(l.href.split("#")[0])))))]
        .filter((f) => f.startsWith(root + path.sep)).map((f) => path.relative(root, f)));
    for (const page of pages) {
        checkLinks(page, ignored);
        linkCount += page.links.length;
    }
    const tab = await browser.newPage();
    await tab.setViewport({ width: windowWidth, height: 900 });
    for (const page of pages) {
        const title = path.basename(page.file);
        await tab.setContent(pageTemplate(title, page.html, css), { waitUntil: "load" });
        await tab.addScriptTag({ path: mermaidScript });
        await tab.evaluate(() => document.fonts.ready);
        const { results, wide } = await tab.evaluate(drawAndMeasure,
            page.diagrams.map(({ code, index }) => ({ code, index })), smallestReadableText);
        diagramCount += page.diagrams.length;
        for (const r of results) {
            const diagram = page.diagrams[r.index];
            for (const p of r.problems)
                fault(page.file, p.text ? lineOfText(page, diagram, p.text, p.task) : diagram.line, p.message);
        }
        for (const w of wide) fault(page.file, w.line, w.message);
        const stem = path.basename(page.file, ".md");
        if (options.screenshots) {
            fs.mkdirSync(options.screenshots, { recursive: true });
            for (const el of await tab.$$(".mermaid-block, .markdown-body table")) {
                const { line, kind } = await el.evaluate((e) => ({ line: e.dataset.line, kind: e.tagName === "TABLE" ? "table" : "diagram" }));
                await el.screenshot({ path: path.join(options.screenshots, `${stem}-L${line}-${kind}.png`) });
            }
        }
        if (options.html) {
            fs.mkdirSync(options.html, { recursive: true });
            // Links to other pages go to their HTML beside this one; links to files, to the files.
            const body = await tab.evaluate((folder) => {
                for (const script of document.querySelectorAll("script")) script.remove();
                for (const a of document.querySelectorAll("a[href]")) {
                    const href = a.getAttribute("href");
                    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("#")) continue;
                    if (/^[^/#]*\.md(#|$)/.test(href)) a.setAttribute("href", href.replace(/\.md(#|$)/, ".html$1"));
                    else a.setAttribute("href", new URL(href, folder).href);
                }
                return document.documentElement.outerHTML;
            }, pathToFileURL(path.dirname(page.file) + "/").href);
            fs.writeFileSync(path.join(options.html, `${stem}.html`), `<!doctype html>\n${body}\n`);
        }
    }
} finally {
    await browser.close();
}

for (const f of faults) console.log(f);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (options.expect) {
    // Each expected fault must be found once, and nothing else.
    const expected = fs.readFileSync(options.expect, "utf8").split("\n").filter((l) => l.trim() !== "");
    const unmatched = [...faults];
    const missing = [];
    for (const pattern of expected) {
        const k = unmatched.findIndex((f) => new RegExp(pattern).test(f));
        if (k < 0) missing.push(pattern);
        else unmatched.splice(k, 1);
    }
    for (const m of missing) console.log(`docs render test: expected and not found: ${m}`);
    for (const u of unmatched) console.log(`docs render test: found and not expected: ${u}`);
    const ok = missing.length === 0 && unmatched.length === 0;
    console.log(`docs render test: ${ok ? "found" : "did not find"} exactly the ${expected.length} faults ` +
        `of ${relative(options.expect)} (${seconds} s)`);
    process.exit(ok ? 0 : 1);
}
console.log(`docs render test: ${options.pages.length} pages, ${diagramCount} diagrams, ${linkCount} links, ` +
    `${faults.length} fault${faults.length === 1 ? "" : "s"} (${seconds} s)`);
process.exit(faults.length ? 1 : 0);
