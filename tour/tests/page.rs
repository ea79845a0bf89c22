//! The tour drawn: one live run of `tour --html DIR --readme-svg ROOT` (shared by both tests)
//! writes the site and the READMEs' pictures.
//!
//! - The pages in a real browser: Debian's chromium (headless, driven by chromedriver over
//!   WebDriver) opens every chapter page and checks the DOM contract — no JavaScript error, one
//!   `.msg` arrow per recorded message, a click shows the arrow's bytes, `#step=3` shows exactly
//!   three, → reveals the fourth — and saves a screenshot of each page under
//!   `target/tmp/tour-page/` for a person to look at. Skipped (visibly) without chromium or
//!   chromedriver; a failure under `REQUIRE_PEERS=1`.
//! - The pictures: each section's committed `sequence.svg` is what this run draws.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use test_support::{run, Proc};

const TOUR: &str = env!("CARGO_BIN_EXE_tour");
/// Every WebDriver call, page load and script has this long at most.
const CALL_WITHIN: Duration = Duration::from_secs(30);
/// The flags this machine needs (no internet, no GPU, no sandbox in a container).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
];

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// A WebDriver session on a chromedriver the test started (killed when dropped).
struct Browser {
    agent: ureq::Agent,
    session: String,
    _driver: Proc,
}

impl Browser {
    fn start(chromium: &Path, driver: &Path, profile: &Path) -> Browser {
        let port = test_support::free_port();
        let driver = Proc::spawn(
            "chromedriver",
            Command::new(driver).arg(format!("--port={port}")),
        );
        let base = format!("http://127.0.0.1:{port}");
        test_support::wait_for_port(([127, 0, 0, 1], port).into(), CALL_WITHIN)
            .expect("chromedriver listens");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(CALL_WITHIN))
            .http_status_as_error(false)
            .build()
            .into();
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"pageLoad": 30_000, "script": 10_000, "implicit": 0},
        }}});
        let created = post(&agent, &format!("{base}/session"), &capabilities);
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {created}"))
            .to_string();
        Browser {
            agent,
            session: format!("{base}/session/{session}"),
            _driver: driver,
        }
    }

    fn post(&self, path: &str, body: Value) -> Value {
        let reply = post(&self.agent, &format!("{}{path}", self.session), &body);
        assert!(
            reply["value"].get("error").is_none(),
            "WebDriver {path} {body}: {reply}"
        );
        reply["value"].clone()
    }

    fn get(&self, path: &str) -> Value {
        let mut reply = self
            .agent
            .get(format!("{}{path}", self.session))
            .call()
            .unwrap_or_else(|e| panic!("WebDriver GET {path}: {e}"));
        let text = reply
            .body_mut()
            .read_to_string()
            .expect("a WebDriver reply");
        let value: Value = serde_json::from_str(&text).expect("WebDriver speaks JSON");
        value["value"].clone()
    }

    fn open(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
    }

    /// The console's errors since the last call (uncaught exceptions included).
    fn errors(&self) -> Vec<String> {
        let entries = self.post("/se/log", json!({"type": "browser"}));
        entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    fn press(&self, key: &str) {
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}
            ]}]}),
        );
    }

    /// A real mouse click at the centre of the element `css` selects, where a person's pointer
    /// would land (WebDriver's element click refuses SVG shapes it cannot prove interactable).
    fn click(&self, css: &str) {
        let at = self.script(&format!(
            "var e = document.querySelector({css:?}); if (!e) {{ return null; }} \
             e.scrollIntoView({{block: 'center'}}); var r = e.getBoundingClientRect(); \
             return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)]"
        ));
        let (Some(x), Some(y)) = (at[0].as_i64(), at[1].as_i64()) else {
            panic!("no element {css}: {at}");
        };
        self.post(
            "/actions",
            json!({"actions": [{"type": "pointer", "id": "mouse",
                "parameters": {"pointerType": "mouse"}, "actions": [
                {"type": "pointerMove", "duration": 0, "x": x, "y": y, "origin": "viewport"},
                {"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}
            ]}]}),
        );
    }

    fn screenshot(&self, to: &Path) {
        let png = self.get("/screenshot");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("a base64 screenshot"))
            .expect("valid base64");
        std::fs::write(to, bytes).expect("the screenshot is written");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.agent.delete(&self.session).call();
    }
}

fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Value {
    let mut reply = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap_or_else(|e| panic!("WebDriver POST {url}: {e}"));
    let text = reply
        .body_mut()
        .read_to_string()
        .expect("a WebDriver reply");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `page <name>.html: <n> messages` lines of the tour's output.
fn pages(stdout: &[String]) -> Vec<(String, usize)> {
    stdout
        .iter()
        .filter_map(|line| {
            let rest = line.strip_prefix("page ")?;
            let (page, count) = rest.split_once(".html: ")?;
            let count = count.strip_suffix(" messages")?.parse().ok()?;
            Some((page.to_string(), count))
        })
        .collect()
}

/// What the one live run left: where, and its stdout.
struct LiveRun {
    out: PathBuf,
    site: PathBuf,
    pictures: PathBuf,
    stdout: Vec<String>,
}

/// The section crates, whose folders the run writes its pictures into.
const CRATES: [&str; 10] = [
    "demo1-reqrep",
    "demo2-polyglot",
    "demo3-pubsub-pushpull",
    "demo4-multi-reply",
    "demo5-msgpack",
    "demo6-rpc-server",
    "zerorpc-framework",
    "amqp-fibonacci",
    "xmlrpc-calc",
    "jsonrpc-search",
];

/// Runs the tour once for both tests of this file.
fn live_run() -> &'static LiveRun {
    static RUN: OnceLock<LiveRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tour-page");
        let _ = std::fs::remove_dir_all(&out);
        let site = out.join("site");
        let pictures = out.join("pictures");
        for krate in CRATES {
            std::fs::create_dir_all(pictures.join(krate)).expect("a folder per crate");
        }
        let done = run(
            "tour --html --readme-svg",
            Command::new(TOUR)
                .arg("--html")
                .arg(&site)
                .arg("--readme-svg")
                .arg(&pictures)
                .env_remove("RUST_LOG"),
            Duration::from_secs(240),
        );
        let stdout = done.success().expect("the tour writes its pages");
        LiveRun {
            out,
            site,
            pictures,
            stdout,
        }
    })
}

#[test]
fn every_chapter_page_works_in_chromium() {
    let (Some(chromium), Some(driver)) = (on_path("chromium"), on_path("chromedriver")) else {
        return test_support::skip(
            "chromium and chromedriver (Debian: chromium, chromium-driver) are needed to test the tour's pages",
        );
    };
    let LiveRun {
        out, site, stdout, ..
    } = live_run();
    let pages = pages(stdout);
    assert!(pages.len() >= 10, "one page per chapter: {pages:?}");
    let open = format!("open {}", site.join("index.html").display());
    assert!(stdout.contains(&open), "the tour says {open:?}");

    let profile = out.join("profile");
    std::fs::create_dir_all(&profile).expect("a fresh profile");
    let browser = Browser::start(&chromium, &driver, &profile);
    let url = |page: &str| format!("file://{}", site.join(page).display());
    let mut failures = Vec::new();
    let started = Instant::now();

    browser.open(&url("index.html"));
    let links = browser.script("return document.querySelectorAll('a[href$=\".html\"]').length");
    if links != json!(pages.len()) {
        failures.push(format!(
            "index.html: {links} links for {} pages",
            pages.len()
        ));
    }
    for (name, recorded) in &pages {
        let mut fail = |what: String| failures.push(format!("{name}.html: {what}"));
        browser.open(&url(&format!("{name}.html")));
        let root = browser.script(&format!(
            "return document.getElementById('chapter-{name}') !== null"
        ));
        if root != json!(true) {
            fail("no element id=chapter-<name>".to_string());
        }
        let counts = browser.script(
            "return [document.querySelectorAll('.msg').length, \
                     document.querySelectorAll('.msg.shown').length]",
        );
        if counts != json!([recorded, recorded]) {
            fail(format!(
                "{recorded} messages recorded, [.msg, .msg.shown] = {counts}"
            ));
        }
        if *recorded >= 1 {
            let pick = (*recorded).min(4);
            browser.click(&format!("#m{pick} text.label"));
            let shows = browser.script(&format!(
                "var hex = document.getElementById('m{pick}').getAttribute('data-hex') \
                     .split(' ').slice(0, 16).join(' '); \
                 var panel = document.getElementById('bytes').innerText; \
                 return hex.length > 0 && panel.indexOf(hex) >= 0"
            ));
            if shows != json!(true) {
                fail(format!("a click on arrow {pick} does not show its bytes"));
            }
        }
        browser.screenshot(&out.join(format!("{name}.png")));
        if *recorded >= 4 {
            browser.open("about:blank");
            browser.open(&url(&format!("{name}.html#step=3")));
            let shown = browser.script("return document.querySelectorAll('.msg.shown').length");
            if shown != json!(3) {
                fail(format!("#step=3 shows {shown} arrows"));
            }
            browser.press("\u{E014}"); // ArrowRight
            let shown = browser.script("return document.querySelectorAll('.msg.shown').length");
            if shown != json!(4) {
                fail(format!("→ after #step=3 shows {shown} arrows"));
            }
            let fourth =
                browser.script("return document.getElementById('m4').classList.contains('shown')");
            if fourth != json!(true) {
                fail("→ did not reveal the fourth arrow".to_string());
            }
        }
        for error in browser.errors() {
            fail(format!("console error: {error}"));
        }
    }
    eprintln!(
        "tour pages: {} checked in chromium in {:.1} s; screenshots in {}",
        pages.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The chapters whose run differs from one time to the next — which messages the slow joiner
/// loses and which worker gets which job (demo3), how threads interleave and how many requests
/// go out while carol's lease runs out (demo4), how many heartbeats a 2.5 s call takes
/// (zerorpc): their pictures are held to the same lifelines and the same kinds of arrows
/// (sender and label), the others to every byte.
const VARIES: [&str; 3] = [
    "demo3-pubsub-pushpull",
    "demo4-multi-reply",
    "zerorpc-framework",
];

/// A picture's lifelines, and its arrows as (sender, label).
fn outline(svg: &str) -> (Vec<String>, BTreeSet<(String, String)>) {
    let lifelines = svg
        .split("<g class=\"participant\">")
        .skip(1)
        .filter_map(|g| {
            let name = g.split("y=\"25\">").nth(1)?.split("</text>").next()?;
            Some(name.to_string())
        })
        .collect();
    let arrows = svg
        .split("<title>")
        .skip(1)
        .filter_map(|t| {
            let title = t.split("</title>").next()?;
            let (_, said) = title.split_once(". ")?;
            let (from, rest) = said.split_once(" → ")?;
            let (_, label) = rest.split_once(": ")?;
            Some((from.to_string(), label.to_string()))
        })
        .collect();
    (lifelines, arrows)
}

#[test]
fn every_section_readme_picture_is_what_the_tour_draws_now() {
    let root = test_support::workspace_root();
    let run = live_run();
    let mut stale = Vec::new();
    for krate in CRATES {
        let drawn = run.pictures.join(krate).join("sequence.svg");
        let Ok(now) = std::fs::read_to_string(&drawn) else {
            test_support::skip(&format!(
                "the tour's chapter for {krate} did not run, so its picture was not checked"
            ));
            continue;
        };
        let committed =
            std::fs::read_to_string(root.join(krate).join("sequence.svg")).unwrap_or_default();
        let same = if VARIES.contains(&krate) {
            outline(&committed) == outline(&now)
        } else {
            committed == now
        };
        if !same {
            stale.push(format!(
                "{krate}/sequence.svg is stale (this run drew {})",
                drawn.display()
            ));
        }
        let readme = std::fs::read_to_string(root.join(krate).join("README.md")).expect("a README");
        if !readme.contains("](sequence.svg)") {
            stale.push(format!("{krate}/README.md does not show sequence.svg"));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nregenerate from the repository root: cargo run -p tour -- --readme-svg .",
        stale.join("\n")
    );
}
