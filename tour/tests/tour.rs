//! The tour as a student runs it: every chapter passes (run side by side, each in its own
//! process), `--list` names them, and an unknown section is an error.

use std::process::Command;
use std::time::Duration;

use test_support::{run, Proc};

const TOUR: &str = env!("CARGO_BIN_EXE_tour");

fn chapter_names() -> Vec<String> {
    let lines = run(
        "tour --list",
        Command::new(TOUR).arg("--list"),
        Duration::from_secs(30),
    )
    .success()
    .unwrap();
    lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn every_chapter_of_the_tour_passes() {
    let names = chapter_names();
    assert!(names.len() >= 3, "chapters: {names:?}");
    let running: Vec<(String, Proc)> = names
        .iter()
        .map(|name| {
            let proc = Proc::spawn(
                format!("tour --section {name}"),
                Command::new(TOUR)
                    .args(["--section", name])
                    .env_remove("RUST_LOG"),
            );
            (name.clone(), proc)
        })
        .collect();
    let mut failures = Vec::new();
    for (name, proc) in running {
        let done = proc.finish(Duration::from_secs(180));
        let ok = done.status.is_some_and(|s| s.success());
        let summary = done.stdout.last().cloned().unwrap_or_default();
        let skipped = done.stdout.iter().any(|l| l.contains("SKIPPED:"));
        if skipped {
            // A skip is fine for a student, not in CI where setup.sh installed everything.
            test_support::skip(&format!("tour chapter {name} skipped: {:?}", done.stdout));
        } else if !ok || summary != "tour: 1 passed, 0 failed, 0 skipped" {
            failures.push(format!(
                "{name}: {summary}\n{}\n{}",
                done.stdout.join("\n"),
                done.stderr
            ));
        } else if !done.stderr.trim().is_empty() {
            // The narration is the whole story: no log lines interleaved with it.
            failures.push(format!("{name} wrote to stderr:\n{}", done.stderr));
        }
    }
    assert!(
        failures.is_empty(),
        "failing chapters:\n{}",
        failures.join("\n\n")
    );
}

#[test]
fn an_unknown_section_is_an_error_that_lists_the_chapters() {
    let done = run(
        "tour",
        Command::new(TOUR).args(["--section", "nope"]),
        Duration::from_secs(30),
    );
    assert!(done.status.is_some_and(|s| !s.success()), "{done:?}");
    assert!(
        done.stderr
            .contains("no chapter named \"nope\"; chapters: demo1, demo2"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_chapter_whose_broker_is_missing_is_skipped_with_the_command_that_fixes_it() {
    let free = test_support::free_port();
    let done = run(
        "tour --section amqp",
        Command::new(TOUR).args(["--section", "amqp"]).env(
            "AMQP_URL",
            format!("amqp://guest:guest@127.0.0.1:{free}/%2f"),
        ),
        Duration::from_secs(60),
    );
    assert!(
        done.status.is_some_and(|s| s.success()),
        "a skip is not a failure: {done:?}"
    );
    let expected = format!(
        "   SKIPPED: no RabbitMQ broker answers on 127.0.0.1:{free} — run: scripts/setup.sh"
    );
    assert!(done.stdout.contains(&expected), "{:?}", done.stdout);
    assert_eq!(
        done.stdout.last().map(String::as_str),
        Some("tour: 0 passed, 0 failed, 1 skipped")
    );
}

#[test]
fn a_page_directory_that_is_a_file_is_one_line_of_error_before_any_chapter_runs() {
    let file = std::env::temp_dir().join(format!("tour-html-is-a-file-{}", std::process::id()));
    std::fs::write(&file, b"not a directory").unwrap();
    let done = run(
        "tour --html FILE",
        Command::new(TOUR)
            .args(["--section", "demo1", "--html"])
            .arg(&file),
        Duration::from_secs(30),
    );
    std::fs::remove_file(&file).unwrap();
    assert!(done.status.is_some_and(|s| !s.success()), "{done:?}");
    assert_eq!(
        done.stderr,
        format!(
            "tour: --html {}: exists and is not a directory\n",
            file.display()
        )
    );
    assert!(done.stdout.is_empty(), "no chapter ran: {:?}", done.stdout);
}

#[test]
fn a_skipped_chapter_still_gets_its_page_saying_why() {
    let dir = std::env::temp_dir().join(format!("tour-html-skipped-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let free = test_support::free_port();
    let done = run(
        "tour --section 7 --html DIR",
        Command::new(TOUR)
            .args(["--section", "7", "--html"])
            .arg(&dir)
            .env(
                "AMQP_URL",
                format!("amqp://guest:guest@127.0.0.1:{free}/%2f"),
            ),
        Duration::from_secs(60),
    );
    assert!(done.status.is_some_and(|s| s.success()), "{done:?}");
    assert!(
        done.stdout
            .contains(&"page amqp.html: 0 messages".to_string()),
        "{:?}",
        done.stdout
    );
    let open = format!("open {}", dir.join("index.html").display());
    assert!(done.stdout.contains(&open), "{:?}", done.stdout);
    let page = std::fs::read_to_string(dir.join("amqp.html")).unwrap();
    assert!(page.contains("id=\"chapter-amqp\""), "{page}");
    assert!(
        page.contains(&format!(
            "skipped: no RabbitMQ broker answers on 127.0.0.1:{free}"
        )),
        "{page}"
    );
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(
        index.contains("<tr class=\"skipped\">") && index.contains("href=\"amqp.html\""),
        "{index}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
