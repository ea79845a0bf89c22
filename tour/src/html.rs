//! `--html DIR`: the run drawn as a static site. `index.html` lists the chapters; each
//! `<chapter>.html` holds the narration beside a sequence diagram (inline SVG) of the messages
//! the chapter recorded, each arrow's bytes on click, stepped with → / Space / ← for a class.
//! Everything is inline (no CDN, no web font, no fetch): the pages open from `file://` offline.
//!
//! The DOM contract the browser test relies on: a chapter's root has `id="chapter-<name>"`;
//! every arrow is an SVG element with `class="msg"` and `data-from`, `data-to`, `data-label`,
//! `data-hex` (lowercase hex pairs, single spaces); a revealed arrow also has class `shown`.
//! Without JavaScript every arrow is shown; `#step=N` opens with the first N.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use crate::chapters::Chapter;
use crate::narrator::hex_rows;
use crate::recorder::{hex, Block, Fate, Message, Recording};
use crate::Outcome;

/// Creates `dir` if missing and checks that it is a writable directory, before any chapter runs.
pub fn prepare(dir: &Path) -> io::Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(io::Error::other("exists and is not a directory"));
    }
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(".tour-write-check");
    std::fs::write(&probe, b"")
        .map_err(|e| io::Error::new(e.kind(), format!("not writable ({e})")))?;
    std::fs::remove_file(probe)
}

/// Writes the index and one page per chapter; returns each page's name and message count.
pub fn write_site(
    dir: &Path,
    runs: &[(&Chapter, Outcome, Recording)],
) -> io::Result<Vec<(String, usize)>> {
    let mut pages = Vec::new();
    for (chapter, outcome, recording) in runs {
        let page = chapter_page(chapter, outcome, recording);
        std::fs::write(dir.join(format!("{}.html", chapter.name)), page)?;
        pages.push((chapter.name.to_string(), recording.messages.len()));
    }
    std::fs::write(dir.join("index.html"), index_page(runs))?;
    Ok(pages)
}

/// HTML-escapes text (also fit for attribute values in double quotes).
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n",
        esc(title)
    )
}

fn needs_text(chapter: &Chapter) -> String {
    let mut needs: Vec<String> = chapter
        .needs
        .iter()
        .map(|n| n.label().to_string())
        .collect();
    needs.extend(
        chapter
            .optional
            .iter()
            .map(|n| format!("{} (for one part)", n.label())),
    );
    if needs.is_empty() {
        "nothing but the workspace".to_string()
    } else {
        needs.join(", ")
    }
}

fn outcome_html(outcome: &Outcome) -> (&'static str, String) {
    match outcome {
        Outcome::Passed => ("passed", "ran live".to_string()),
        Outcome::Skipped(why) => ("skipped", format!("skipped: {}", esc(why))),
        Outcome::Failed(why) => ("failed", format!("failed: {}", esc(why))),
    }
}

fn index_page(runs: &[(&Chapter, Outcome, Recording)]) -> String {
    let mut page = head("The RPC tutorial, drawn");
    page.push_str(
        "<body>\n<main id=\"index\" class=\"index\">\n<h1>The RPC tutorial, drawn</h1>\n\
         <p>Every chapter of <code>cargo run -p tour</code>, as it ran: the narration beside a \
         sequence diagram of the real messages. Click an arrow for its bytes; → / Space \
         reveal the next message, ← hides it (<code>#step=N</code> opens with N shown).</p>\n\
         <table>\n<thead><tr><th>§</th><th>chapter</th><th>what it shows</th>\
         <th>needs</th><th>messages</th><th>this run</th></tr></thead>\n<tbody>\n",
    );
    for (chapter, outcome, recording) in runs {
        let (class, text) = outcome_html(outcome);
        let _ = writeln!(
            page,
            "<tr class=\"{class}\"><td>{}</td><td><a href=\"{name}.html\">{name}</a></td>\
             <td>{}</td><td>{}</td><td>{}</td><td class=\"run\">{text}</td></tr>",
            esc(chapter.number),
            esc(chapter.title),
            esc(&needs_text(chapter)),
            recording.messages.len(),
            name = esc(chapter.name),
        );
    }
    page.push_str("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
    page
}

/// The hex dump and the decoded breakdown of one message (the panel shows this on click).
fn message_detail(number: usize, m: &Message) -> String {
    let mut html = String::new();
    let _ = write!(
        html,
        "<p class=\"what\"><b>{number}.</b> {} → {}: <code>{}</code> ({} byte{})</p>",
        esc(&m.from),
        esc(&m.to),
        esc(&m.label),
        m.bytes.len(),
        if m.bytes.len() == 1 { "" } else { "s" }
    );
    match &m.fate {
        Fate::Delivered => {}
        Fate::NeverAnswered(why) => {
            let _ = write!(html, "<p class=\"fate\">never answered: {}</p>", esc(why));
        }
        Fate::Lost(why) => {
            let _ = write!(html, "<p class=\"fate\">lost: {}</p>", esc(why));
        }
    }
    html.push_str("<pre class=\"hex\">");
    for row in hex_rows(&m.bytes, 16) {
        html.push_str(&esc(&row));
        html.push('\n');
    }
    html.push_str("</pre>");
    if !m.fields.is_empty() {
        html.push_str("<table class=\"fields\">");
        for (name, value) in &m.fields {
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                esc(name),
                esc(value)
            );
        }
        html.push_str("</table>");
    }
    html
}

/// A lifeline's width: wide for a client and a server (room for `plus(1, 2, …)`), narrower
/// when there are many, so demo4's ten fit a projector.
fn lane(participants: usize) -> usize {
    match participants {
        0..=3 => 230,
        4..=6 => 150,
        _ => 124,
    }
}
const ROW: usize = 28;
const TOP: usize = 56;

/// The sequence diagram: a lifeline per participant, an arrow per message, in order. As a
/// `picture` (a section README's `sequence.svg`), it stands alone: its own style, no bytes, no
/// ids, and ports normalised, so that another run draws the same file.
fn diagram(recording: &Recording, picture: bool) -> String {
    let lanes = recording.participants.len().max(1);
    let lane = lane(lanes);
    let width = lanes * lane;
    let height = TOP + recording.messages.len() * ROW + 24;
    let x = |name: &str| {
        let i = recording
            .participants
            .iter()
            .position(|p| p == name)
            .unwrap_or(0);
        i * lane + lane / 2
    };
    let text = |t: &str| if picture { normalise(t) } else { t.to_string() };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg {}xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"sequence diagram\">{}\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerUnits=\"userSpaceOnUse\" markerWidth=\"10\" markerHeight=\"10\" \
         orient=\"auto-start-reverse\">\
         <path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>",
        if picture { "" } else { "id=\"diagram\" " },
        if picture {
            format!(
                "<style>{PICTURE_CSS}</style><rect class=\"page\" width=\"100%\" height=\"100%\"/>"
            )
        } else {
            String::new()
        }
    );
    for name in &recording.participants {
        let cx = x(name);
        let _ = write!(
            svg,
            "<g class=\"participant\"><line class=\"lifeline\" x1=\"{cx}\" y1=\"34\" \
             x2=\"{cx}\" y2=\"{}\"/><rect x=\"{}\" y=\"6\" width=\"{}\" height=\"28\" rx=\"4\"/>\
             <text x=\"{cx}\" y=\"25\">{}</text></g>",
            height - 4,
            cx - lane / 2 + 4,
            lane - 8,
            esc(&fit(name, lane / 8))
        );
    }
    for (i, m) in recording.messages.iter().enumerate() {
        let y = TOP + i * ROW + ROW / 2;
        let (x1, x2) = (x(&m.from) as i64, x(&m.to) as i64);
        let dir = if x2 >= x1 { 1 } else { -1 };
        let fate = match m.fate {
            Fate::Delivered => "",
            Fate::NeverAnswered(_) => " never-answered",
            Fate::Lost(_) => " lost",
        };
        // A lost or unanswered message ends in a cross short of its receiver.
        let end = if fate.is_empty() { x2 } else { x2 - dir * 24 };
        let label = text(&m.label);
        let title = esc(&format!("{}. {} → {}: {label}", i + 1, m.from, m.to));
        if picture {
            let _ = write!(svg, "<g class=\"msg{fate}\"><title>{title}</title>");
        } else {
            let _ = write!(
                svg,
                "<g class=\"msg shown{fate}\" id=\"m{n}\" data-index=\"{n}\" data-step=\"{}\" \
                 data-from=\"{}\" data-to=\"{}\" data-label=\"{}\" data-hex=\"{}\" tabindex=\"0\">\
                 <title>{title}</title>\
                 <rect class=\"hit\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{ROW}\"/>",
                m.step,
                esc(&m.from),
                esc(&m.to),
                esc(&m.label),
                hex(&m.bytes),
                x1.min(x2),
                y - ROW / 2,
                (x2 - x1).unsigned_abs().max(8),
                n = i + 1,
            );
        }
        let _ = write!(
            svg,
            "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{end}\" y2=\"{y}\"{}/>",
            if fate.is_empty() {
                " marker-end=\"url(#arrow)\""
            } else {
                ""
            },
        );
        if !fate.is_empty() {
            let _ = write!(
                svg,
                "<path class=\"cross\" d=\"M{a},{b} l8,8 M{a},{c} l8,-8\"/>",
                a = end - 4,
                b = y - 4,
                c = y + 4
            );
        }
        let _ = write!(
            svg,
            "<text class=\"label\" x=\"{}\" y=\"{}\">{}. {}</text></g>",
            (x1 + x2) / 2,
            y - 4,
            i + 1,
            esc(&fit(&label, (x2 - x1).unsigned_abs() as usize / 7 + 4))
        );
    }
    svg.push_str("</svg>");
    if picture {
        svg.push('\n');
    }
    svg
}

/// A section README's picture of its chapter (see [`diagram`]).
pub fn picture(recording: &Recording) -> String {
    diagram(recording, true)
}

/// What changes from run to run, made constant: every port after `127.0.0.1:` reads `PORT`.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("127.0.0.1:") {
        let (head, tail) = rest.split_at(at + "127.0.0.1:".len());
        out.push_str(head);
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("PORT");
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// `text` cut to `max` characters with an ellipsis.
fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The narration, block by block, as the terminal printed it.
fn narration(recording: &Recording) -> String {
    let mut html = String::new();
    let mut pre: Vec<String> = Vec::new();
    let flush_pre = |html: &mut String, pre: &mut Vec<String>| {
        if !pre.is_empty() {
            let _ = write!(html, "<pre class=\"text\">{}</pre>", esc(&pre.join("\n")));
            pre.clear();
        }
    };
    for block in &recording.narration {
        // Indented lines (XML, tables) keep their layout; prose flows.
        if let Block::Say(text) = block {
            if text.starts_with("    ") {
                pre.push(text.to_string());
                continue;
            }
        }
        flush_pre(&mut html, &mut pre);
        match block {
            Block::Say(text) => {
                for paragraph in text.trim_start_matches('\n').split("\n\n") {
                    let _ = write!(html, "<p>{}</p>", esc(&paragraph.replace('\n', " ")));
                }
            }
            Block::Step(n, text) => {
                let _ = write!(
                    html,
                    "<h3 class=\"step\" id=\"step-{n}\"><span class=\"n\">{n}</span> {}</h3>",
                    esc(&squash(text))
                );
            }
            Block::Console { who, line, times } => {
                let _ = write!(
                    html,
                    "<div class=\"console\"><span class=\"who\">{}</span><code>{}</code>{}</div>",
                    esc(who),
                    esc(line),
                    if *times > 1 {
                        format!("<span class=\"times\">×{times}</span>")
                    } else {
                        String::new()
                    }
                );
            }
            Block::Wire { caption, bytes } => {
                let _ = write!(
                    html,
                    "<figure class=\"wire\"><figcaption>⇄ {} ({} byte{})</figcaption><pre>",
                    esc(caption),
                    bytes.len(),
                    if bytes.len() == 1 { "" } else { "s" }
                );
                for row in hex_rows(bytes, 16) {
                    html.push_str(&esc(&row));
                    html.push('\n');
                }
                html.push_str("</pre></figure>");
            }
            Block::Field(name, value) => {
                let _ = write!(
                    html,
                    "<div class=\"field\"><code>{}</code> {}</div>",
                    esc(name),
                    esc(value)
                );
            }
            Block::Question(text) => {
                let _ = write!(html, "<p class=\"question\">? {}</p>", esc(&squash(text)));
            }
            Block::Answer(text) => {
                let _ = write!(html, "<div class=\"answer\">→ {}</div>", esc(&squash(text)));
            }
            Block::Outcome(text) => {
                let _ = write!(html, "<p class=\"outcome\">{}</p>", esc(text));
            }
            Block::Message(i) => {
                if let Some(m) = recording.messages.get(*i) {
                    let _ = write!(
                        html,
                        "<a class=\"msgref shown\" href=\"#m{n}\" data-index=\"{n}\">\
                         <span class=\"n\">{n}</span> {} → {}: <code>{}</code></a>",
                        esc(&m.from),
                        esc(&m.to),
                        esc(&m.label),
                        n = i + 1
                    );
                }
            }
        }
    }
    flush_pre(&mut html, &mut pre);
    html
}

/// Hard-wrapped terminal text as one flowing line.
fn squash(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

fn chapter_page(chapter: &Chapter, outcome: &Outcome, recording: &Recording) -> String {
    let mut page = head(&format!(
        "§{} {} — {}",
        chapter.number, chapter.name, chapter.title
    ));
    let (class, text) = outcome_html(outcome);
    let _ = write!(
        page,
        "<body>\n<main id=\"chapter-{name}\" class=\"chapter {class}\" data-messages=\"{count}\">\n\
         <header><a href=\"index.html\">← every chapter</a>\
         <h1>§{number} {name}: {title}</h1>\
         <p class=\"status {class}\">This run: {text}. Needs: {needs}. {count} messages.</p>\
         <p class=\"keys\">→ or Space: next message · ←: back · click an arrow for its bytes · \
         <span class=\"legend\">red, dashed, ending in ×: never answered, or lost</span> · \
         <span id=\"counter\"></span></p></header>\n\
         <div class=\"cols\">\n<section class=\"narration\" id=\"narration\">{narration}</section>\n\
         <section class=\"side\"><div class=\"svgwrap\" id=\"svgwrap\">{svg}</div>\
         <aside id=\"bytes\" class=\"bytes\"><p class=\"hint\">Click an arrow to see its bytes.</p>\
         </aside></section>\n</div>\n<section class=\"all\"><h2>Every message, with its bytes</h2>",
        name = esc(chapter.name),
        number = esc(chapter.number),
        title = esc(chapter.title),
        count = recording.messages.len(),
        needs = esc(&needs_text(chapter)),
        narration = narration(recording),
        svg = diagram(recording, false),
    );
    if recording.messages.is_empty() {
        page.push_str("<p>No message was recorded in this run.</p>");
    }
    for (i, m) in recording.messages.iter().enumerate() {
        let _ = write!(
            page,
            "<details class=\"detail\" id=\"detail-{n}\"><summary>{n}. {} → {}: {}</summary>\
             <div class=\"body\">{}</div></details>",
            esc(&m.from),
            esc(&m.to),
            esc(&m.label),
            message_detail(i + 1, m),
            n = i + 1
        );
    }
    let _ = write!(
        page,
        "</section>\n</main>\n<script>{JS}</script>\n</body>\n</html>\n"
    );
    page
}

const CSS: &str = r#"
:root { --ink: #1d2330; --muted: #5b6475; --line: #c9d1de; --accent: #1f6feb; --bad: #c93c37; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: var(--ink); background: #fbfcfe; }
main { padding: 12px 20px; }
h1 { font-size: 1.4em; margin: 4px 0; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.86em; }
header p { margin: 2px 0; color: var(--muted); }
.status.failed, .status.skipped, .outcome { color: var(--bad); font-weight: 600; }
.cols { display: flex; gap: 18px; align-items: flex-start; }
.narration { flex: 1 1 44%; min-width: 0; max-height: calc(100vh - 120px); overflow-y: auto; padding-right: 8px; }
.side { flex: 1 1 56%; min-width: 0; position: sticky; top: 8px; }
.svgwrap { max-height: calc(62vh); overflow: auto; border: 1px solid var(--line); background: #fff; }
.bytes { margin-top: 8px; border: 1px solid var(--line); background: #fff; padding: 6px 10px; max-height: calc(38vh - 130px); min-height: 90px; overflow: auto; }
.bytes .hint { color: var(--muted); }
.step { font-size: 1.02em; margin: 16px 0 6px; }
.step .n { display: inline-block; min-width: 1.6em; text-align: center; background: var(--ink); color: #fff; border-radius: 3px; font-size: 0.85em; }
.msgref .n { display: inline-block; min-width: 1.8em; text-align: center; border: 1px solid var(--muted); border-radius: 9px; font-size: 0.8em; margin-right: 2px; }
.step.current .n { background: var(--accent); }
.console { font-size: 0.9em; margin: 1px 0; }
.console .who { display: inline-block; min-width: 11em; color: var(--muted); text-align: right; margin-right: 8px; }
.console .times { margin-left: 8px; color: var(--accent); font-weight: 600; }
.question { font-weight: 600; margin-top: 16px; }
.answer { border-left: 3px solid var(--accent); padding-left: 8px; margin: 6px 0; }
.wire { margin: 6px 0; }
.wire figcaption { font-size: 0.88em; color: var(--muted); }
.wire pre, pre.text, pre.hex { margin: 2px 0; overflow-x: auto; background: #f2f4f8; padding: 4px 6px; }
.narration .wire pre { font-size: 0.76em; }
.field { font-size: 0.88em; margin-left: 1.5em; }
.msgref { display: block; font-size: 0.85em; color: var(--muted); text-decoration: none; margin: 2px 0; }
.msgref:not(.shown) { opacity: 0.25; }
svg text { font: 12px system-ui, sans-serif; text-anchor: middle; fill: var(--ink); }
.participant rect { fill: #eef2f8; stroke: var(--ink); }
.participant text { font-weight: 600; }
.lifeline { stroke: var(--line); stroke-dasharray: 4 4; }
.msg line { stroke: var(--ink); stroke-width: 1.5; }
.msg marker path, #arrow path { fill: var(--ink); }
.msg .hit { fill: transparent; cursor: pointer; }
.msg.never-answered line, .msg.lost line { stroke: var(--bad); stroke-dasharray: 5 4; }
.msg .cross { stroke: var(--bad); stroke-width: 2; }
.msg.selected line { stroke: var(--accent); stroke-width: 3; }
.msg.selected text { fill: var(--accent); font-weight: 600; }
.msg:not(.shown) { visibility: hidden; }
.msg:focus { outline: none; }
.all { margin-top: 20px; }
.all summary { cursor: pointer; }
.fate, .legend { color: var(--bad); }
table { border-collapse: collapse; }
td, th { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
.fields td { font-size: 0.88em; }
.index .run { color: #1a7f37; }
.index tr.failed .run, .index tr.skipped .run { color: var(--bad); font-weight: 600; }
@media (max-width: 900px) { .cols { display: block; } .narration { max-height: none; } .side { position: static; } }
"#;

/// The picture's own style (a README shows the SVG file alone).
const PICTURE_CSS: &str = "\
.page { fill: #ffffff; } \
text { font: 12px sans-serif; text-anchor: middle; fill: #1d2330; } \
.participant rect { fill: #eef2f8; stroke: #1d2330; } \
.participant text { font-weight: bold; } \
.lifeline { stroke: #c9d1de; stroke-dasharray: 4 4; } \
.msg line { stroke: #1d2330; stroke-width: 1.5; } \
#arrow path { fill: #1d2330; } \
.never-answered line, .lost line { stroke: #c93c37; stroke-dasharray: 5 4; } \
.cross { stroke: #c93c37; stroke-width: 2; }";

const JS: &str = r#"
(function () {
  var msgs = Array.prototype.slice.call(document.querySelectorAll('.msg'));
  var refs = Array.prototype.slice.call(document.querySelectorAll('.msgref'));
  var panel = document.getElementById('bytes');
  var counter = document.getElementById('counter');
  var narration = document.getElementById('narration');
  var svgwrap = document.getElementById('svgwrap');
  var shown = msgs.length;
  var current = null; // the step heading of the last message shown
  // Scrolls only inside `box` (not the window, which would hide the header): `el` to the top
  // of the box, or (centre) into the middle when it is out of view.
  function scrollTo(box, el, centre) {
    var b = box.getBoundingClientRect();
    var r = el.getBoundingClientRect();
    if (!centre) { box.scrollTop += r.top - b.top - 8; return; }
    if (r.top < b.top || r.bottom > b.bottom) { box.scrollTop += r.top - b.top - b.height / 2; }
    if (r.left < b.left || r.right > b.right) { box.scrollLeft += r.left - b.left - b.width / 4; }
  }
  function fromHash() {
    var m = /step=(\d+)/.exec(location.hash);
    return m ? Math.min(parseInt(m[1], 10), msgs.length) : msgs.length;
  }
  function select(i) {
    msgs.forEach(function (m) { m.classList.remove('selected'); });
    var m = msgs[i];
    if (!m) { return; }
    m.classList.add('selected');
    var detail = document.getElementById('detail-' + (i + 1));
    panel.innerHTML = detail ? detail.querySelector('.body').innerHTML : '';
  }
  function show(n, scroll) {
    shown = Math.max(0, Math.min(n, msgs.length));
    msgs.forEach(function (m, i) { m.classList.toggle('shown', i < shown); });
    refs.forEach(function (r, i) { r.classList.toggle('shown', i < shown); });
    counter.textContent = shown + ' of ' + msgs.length + ' messages shown';
    document.querySelectorAll('.step.current').forEach(function (s) { s.classList.remove('current'); });
    if (shown > 0) {
      var last = msgs[shown - 1];
      var step = document.getElementById('step-' + last.getAttribute('data-step'));
      if (step) { step.classList.add('current'); }
      if (scroll) {
        // A new step: its heading to the top; then the message's own line into view.
        if (step && step !== current) { scrollTo(narration, step, false); }
        if (refs[shown - 1]) { scrollTo(narration, refs[shown - 1], true); }
        scrollTo(svgwrap, last, true);
        select(shown - 1);
      }
      current = step;
    }
  }
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var next = null;
    if (e.key === 'ArrowRight' || e.key === ' ' || e.key === 'PageDown') { next = shown + 1; }
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') { next = shown - 1; }
    else if (e.key === 'Home') { next = 0; }
    else if (e.key === 'End') { next = msgs.length; }
    if (next === null) { return; }
    e.preventDefault();
    show(next, true);
    history.replaceState(null, '', '#step=' + shown);
  });
  msgs.forEach(function (m, i) {
    m.addEventListener('click', function () { select(i); });
  });
  refs.forEach(function (r, i) {
    r.addEventListener('click', function (e) {
      e.preventDefault();
      select(i);
      scrollTo(svgwrap, msgs[i], true);
    });
  });
  window.addEventListener('hashchange', function () { show(fromHash(), true); });
  show(fromHash(), /step=/.test(location.hash));
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_an_svg_element_with_the_contracted_attributes() {
        let mut recording = Recording {
            participants: vec!["demo4-client".into(), "server alice".into()],
            ..Recording::default()
        };
        recording.messages.push(Message::req_rep(
            "server alice",
            "demo4-client",
            "\"alice\"",
            &[b"alice"],
        ));
        let svg = diagram(&recording, false);
        assert!(
            svg.contains(
                "class=\"msg shown\" id=\"m1\" data-index=\"1\" data-step=\"0\" \
                 data-from=\"server alice\" data-to=\"demo4-client\" data-label=\"&quot;alice&quot;\" \
                 data-hex=\"01 00 00 05 61 6c 69 63 65\""
            ),
            "{svg}"
        );
    }

    #[test]
    fn a_picture_has_no_bytes_and_no_ports() {
        let recording = Recording {
            participants: vec!["demo4-watch".into(), "SUB".into()],
            messages: vec![Message::zmq(
                "demo4-watch",
                "SUB",
                "up dave tcp://127.0.0.1:41245",
                &[b"up dave tcp://127.0.0.1:41245"],
            )],
            ..Recording::default()
        };
        let svg = picture(&recording);
        assert!(svg.contains("up dave tcp://127.0.0.1:PORT"), "{svg}");
        assert!(!svg.contains("41245") && !svg.contains("data-hex"), "{svg}");
        assert_eq!(
            normalise("a 127.0.0.1:5 b 127.0.0.1:x"),
            "a 127.0.0.1:PORT b 127.0.0.1:x"
        );
    }

    #[test]
    fn a_file_or_a_read_only_path_is_refused() {
        let file = std::env::temp_dir().join(format!("tour-html-file-{}", std::process::id()));
        std::fs::write(&file, b"x").expect("a temp file");
        let error = prepare(&file).expect_err("a file is not a directory");
        assert_eq!(error.to_string(), "exists and is not a directory");
        std::fs::remove_file(file).expect("cleanup");
    }
}
